import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "../support/child-processes.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const trace = fileURLToPath(new URL("./module-trace.mjs", import.meta.url));
let dist: string;
let work: string;

beforeAll(() => {
  // The package as `npm run build` makes it, built afresh so the test never reads a stale dist/. It lives under the
  // project's node_modules so that its imports (zod, pino, undici…) resolve as they do for an installed package.
  const cache = join(root, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  work = mkdtempSync(join(cache, "root-imports-"));
  dist = join(work, "dist");
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", dist],
    {
      cwd: root,
      stdio: "pipe",
    },
  );
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The module URLs a fresh `node` resolves while importing `specifier` (a file URL or a package name). */
function modulesLoadedBy(specifier: string): string[] {
  const file = join(work, `trace-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawnSync(
    process.execPath,
    ["--import", pathToFileURL(trace).href, "--input-type=module", "-e", `await import(${JSON.stringify(specifier)});`],
    { cwd: root, env: { ...cleanEnv(), MODULE_TRACE_FILE: file }, encoding: "utf8" },
  );
  expect(child.stderr).toBe("");
  expect(child.status).toBe(0);
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

const SDK_MODULE = /\/node_modules\/(ai|openai|@ai-sdk\/[^/]+)\//;

/** Runs an ES module script in a fresh `node` from the repository root; its stdout, trimmed. */
function runScript(script: string): { stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    env: cleanEnv(),
    encoding: "utf8",
  });
  expect(child.status, child.stderr).toBe(0);
  return { stdout: child.stdout.trim(), stderr: child.stderr };
}

describe("the package root", () => {
  it("loads none of the local runtime, the client, the CLI, undici or pino: a structure pays for what it uses", () => {
    const loaded = modulesLoadedBy(pathToFileURL(join(dist, "index.js")).href);
    expect(loaded.some((url) => url.endsWith("/dist/index.js"))).toBe(true);
    expect(
      loaded.filter((url) =>
        /\/dist\/(runtime|client|cli)\/|\/dist\/local\.js$|\/node_modules\/(undici|pino)\//.test(url),
      ),
    ).toEqual([]);
    // The check above can fail: the same trace sees them behind ./local.
    const local = modulesLoadedBy(pathToFileURL(join(dist, "local.js")).href);
    expect(local.some((url) => url.includes("/dist/runtime/events-api-emulator.js"))).toBe(true);
    expect(local.some((url) => url.includes("/dist/client/events-client.js"))).toBe(true);
  });

  it("loads pino only when a line is logged: a delivery that goes well never pays for it", () => {
    // pino is CommonJS, required in place on the first line logged: the CommonJS cache says whether it was loaded.
    const script = `
      import { createServer } from "node:http";
      import { createRequire } from "node:module";
      const { EventBus, EventListener, GriptapeCloudEventListenerDriver } = await import(${JSON.stringify(pathToFileURL(join(dist, "index.js")).href)});
      const pinoLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("/node_modules/pino/"));
      const server = createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(202).end()); });
      await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
      const bus = new EventBus();
      const driver = new GriptapeCloudEventListenerDriver({ baseUrl: "http://127.0.0.1:" + server.address().port, apiKey: "k", structureRunId: "r", env: {} });
      bus.addEventListener(new EventListener({ driver }));
      bus.publishEvent({ type: "TextChunkEvent", token: "hi" });
      const report = await bus.flush();
      const before = pinoLoaded();
      // A listener that throws is reported through the default logger.
      bus.addEventListener(new EventListener({ onEvent: () => { throw new Error("listener broke"); } }));
      bus.publishEvent({ type: "TextChunkEvent", token: "again" });
      await bus.shutdown();
      server.close();
      console.log(JSON.stringify({ sent: report.sent, before, after: pinoLoaded() }));
    `;
    const { stdout, stderr } = runScript(script);
    expect(JSON.parse(stdout)).toEqual({ sent: 1, before: false, after: true });
    expect(stderr).toContain("listener broke");
  });

  it("loads neither SDK nor any adapter: a structure that uses neither pays nothing", () => {
    const loaded = modulesLoadedBy(pathToFileURL(join(dist, "index.js")).href);
    expect(loaded.some((url) => url.endsWith("/dist/index.js"))).toBe(true);
    expect(loaded.some((url) => url.includes("/node_modules/zod/"))).toBe(true);
    expect(loaded.filter((url) => SDK_MODULE.test(url))).toEqual([]);
    expect(loaded.filter((url) => url.includes("/dist/adapters/") || /\/dist\/(ai-sdk|openai)\.js$/.test(url))).toEqual(
      [],
    );
  });

  it("the trace does see an SDK when one is imported (the check above can fail)", () => {
    expect(modulesLoadedBy("openai").some((url) => SDK_MODULE.test(url))).toBe(true);
    expect(modulesLoadedBy("ai").some((url) => SDK_MODULE.test(url))).toBe(true);
  });
});

describe("the entry points", () => {
  it("are the files package.json's exports name, with their types", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      exports: Record<string, { types: string; import: string } | string>;
    };
    for (const entry of [".", "./local", "./ai-sdk", "./openai"]) {
      const target = pkg.exports[entry] as { types: string; import: string };
      for (const file of [target.types, target.import]) {
        expect(() => readFileSync(join(work, file)), `${entry} → ${file}`).not.toThrow();
      }
    }
  });

  it.each(["ai-sdk", "openai"])("%s loads its adapter but no SDK code: it only uses the SDK's types", (entry) => {
    const loaded = modulesLoadedBy(pathToFileURL(join(dist, `${entry}.js`)).href);
    expect(loaded.some((url) => url.includes("/dist/adapters/"))).toBe(true);
    expect(loaded.filter((url) => SDK_MODULE.test(url))).toEqual([]);
  });
});
