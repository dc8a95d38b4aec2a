/**
 * The package as a user installs it: `npm pack` of this clone, installed into a fresh consumer project in an
 * empty temporary folder, then used the ways the README says it can be used. What holds in
 * the repository but not in the tarball (a file left out, an export condition missing, a path that only exists in
 * the clone) fails here.
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "../support/child-processes.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

let work: string;
let consumer: string;
let installed: string;
let packedFiles: string[];

interface PackResult {
  filename: string;
  files: { path: string }[];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "sre-packed-"));
  // prepack builds dist/ first, as it does for a publish.
  const { stdout } = await run(npm, ["pack", "--json", "--pack-destination", work], { cwd: repo, env: cleanEnv() });
  const [pack] = JSON.parse(stdout.slice(stdout.indexOf("["))) as PackResult[];
  if (pack === undefined) throw new Error(`npm pack printed no result: ${stdout}`);
  packedFiles = pack.files.map((f) => f.path).sort();
  consumer = join(work, "consumer");
  installed = join(consumer, "node_modules/structure-run-events");
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // Installed as npm installs it, without the registry (tests never reach past loopback, and `npm install` would
  // fetch package metadata): the tarball unpacked into node_modules, its bin linked, and only its DECLARED
  // dependencies linked from this clone's node_modules, so an import of anything undeclared fails here as it would
  // for a user. tsx too: the README runs the TypeScript examples with it.
  await run("tar", ["-xzf", join(work, pack.filename), "-C", installed, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    bin: Record<string, string>;
  };
  for (const dependency of [...Object.keys(manifest.dependencies), "tsx"]) {
    const target = join(consumer, "node_modules", dependency);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(repo, "node_modules", dependency), target, "dir");
  }
  mkdirSync(join(consumer, "node_modules/.bin"));
  for (const [name, path] of Object.entries(manifest.bin)) {
    chmodSync(join(installed, path), 0o755);
    symlinkSync(join("../structure-run-events", path), join(consumer, "node_modules/.bin", name));
  }
}, 240_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

function node(args: string[], options: { input?: string } = {}) {
  return run(process.execPath, args, { cwd: consumer, env: cleanEnv(), ...options });
}

describe("the packed tarball", () => {
  it("ships the build, the examples, the docs, the licence and nothing of the repository's own", () => {
    for (const file of [
      "LICENSE",
      "README.md",
      "CHANGELOG.md",
      "package.json",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/local.js",
      "dist/local.d.ts",
      "dist/cli/main.js",
      "examples/hello-structure.ts",
      "examples/client.ts",
      "docs/delivery.md",
    ]) {
      expect(packedFiles).toContain(file);
    }
    // Source maps would point at a src/ the tarball does not hold.
    expect(packedFiles.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(packedFiles.filter((f) => /^(src|test|bench|\.ci)\//.test(f))).toEqual([]);
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toContain("Apache License");
  });

  it("every file the README points to is in the package", () => {
    const readme = readFileSync(join(installed, "README.md"), "utf8");
    const linked = [...readme.matchAll(/\]\(((?!https?:|#)[^)#\s]+)/g)].map((m) => m[1] as string);
    const named = [...readme.matchAll(/\b((?:examples|docs)\/[\w./-]+\.(?:ts|md|png))/g)].map((m) => m[1] as string);
    const paths = [...new Set([...linked, ...named])];
    expect(paths.length).toBeGreaterThan(3);
    const missing = paths.filter((p) => !existsSync(join(installed, p)));
    expect(missing).toEqual([]);
  });

  it("imports from ESM", async () => {
    const { stdout } = await node([
      "--input-type=module",
      "-e",
      'import * as m from "structure-run-events"; console.log(typeof m.runStructure, typeof m.EventBus);',
    ]);
    expect(stdout.trim()).toBe("function function");
  });

  it("imports structure-run-events/local from ESM, and the root has none of it", async () => {
    const { stdout } = await node([
      "--input-type=module",
      "-e",
      [
        'import * as local from "structure-run-events/local";',
        'import * as root from "structure-run-events";',
        "console.log(typeof local.EventsApiEmulator, typeof local.EventsClient, typeof local.startLocalRun,",
        '  "EventsApiEmulator" in root, new local.EventsApiError(500, "x") instanceof root.StructureRunEventsError);',
      ].join("\n"),
    ]);
    expect(stdout.trim()).toBe("function function function false true");
  });

  it.each([
    ["structure-run-events", "runStructure"],
    ["structure-run-events/local", "EventsApiEmulator"],
  ])(
    "requires %s from CommonJS where Node can load ES modules synchronously, and says why where it cannot",
    async (entry, name) => {
      const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
      const canRequireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
      const script = `const m = require(${JSON.stringify(entry)}); console.log(typeof m.${name});`;
      if (canRequireEsm) {
        const { stdout } = await node(["-e", script]);
        expect(stdout.trim()).toBe("function");
      } else {
        // Not ERR_PACKAGE_PATH_NOT_EXPORTED: the export map has a condition for require, Node just cannot honour it.
        await expect(node(["-e", script])).rejects.toMatchObject({
          stderr: expect.stringContaining("ERR_REQUIRE_ESM"),
        });
      }
    },
  );

  it("runs a JavaScript structure under the installed CLI, no account needed", async () => {
    writeFileSync(
      join(consumer, "structure.mjs"),
      [
        'import { runStructure } from "structure-run-events";',
        "await runStructure(async ({ args, publishEvent }) => {",
        '  publishEvent({ type: "TextChunkEvent", token: "hi" });',
        '  return "done: " + args.join(" ");',
        "});",
      ].join("\n"),
    );
    const cli = join(consumer, "node_modules/.bin/structure-run-events");
    const { stdout } = await run(cli, ["run", "--json", "--", process.execPath, "structure.mjs", "a", "b"], {
      cwd: consumer,
      env: cleanEnv(),
    });
    const details = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; payload: Record<string, unknown> });
    const finish = details.find((d) => d.type === "FinishStructureRunEvent");
    expect(finish?.payload.output_task_output).toMatchObject({ type: "TextArtifact", value: "done: a b" });
    expect(details.at(-1)?.payload).toMatchObject({ status: "SUCCEEDED" });
  });

  it("runs the shipped TypeScript example the way the README says", async () => {
    const cli = join(consumer, "node_modules/.bin/structure-run-events");
    const example = "node_modules/structure-run-events/examples/hello-structure.ts";
    const { stdout } = await run(cli, ["run", "--json", "--", process.execPath, "--import", "tsx", example, "hey"], {
      cwd: consumer,
      env: cleanEnv(),
    });
    const details = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; payload: Record<string, unknown> });
    expect(details.at(-1)?.payload).toMatchObject({ status: "SUCCEEDED" });
    expect(details.some((d) => d.type === "FinishStructureRunEvent")).toBe(true);
  });

  it("gives a TypeScript consumer the package's types", async () => {
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true },
        files: ["consumer.ts"],
      }),
    );
    writeFileSync(
      join(consumer, "consumer.ts"),
      [
        'import { EventBus, MemoryEventListenerDriver, runStructure } from "structure-run-events";',
        'import { EventsClient, type EventDetail } from "structure-run-events/local";',
        "const bus = new EventBus();",
        'bus.publishEvent({ type: "TextChunkEvent", token: "a" });',
        "// @ts-expect-error a TextChunkEvent's token is a string",
        'bus.publishEvent({ type: "TextChunkEvent", token: 5 });',
        "void new MemoryEventListenerDriver();",
        'void runStructure(async () => "x", { exit: false });',
        'const client = new EventsClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k" });',
        'const first: Promise<EventDetail> = client.streamEvents("r").next().then((r) => r.value as EventDetail);',
        "void first;",
      ].join("\n"),
    );
    const tsc = join(repo, "node_modules/typescript/bin/tsc");
    await expect(run(process.execPath, [tsc, "-p", consumer], { cwd: consumer })).resolves.toBeDefined();
  });
});
