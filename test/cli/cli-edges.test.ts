// What a new user hits first, in real child processes: a command line slightly wrong, a port already taken, an
// events file in a folder that does not exist, serve bound to every address. Each gets one plain sentence and the
// documented exit code, never a stack trace or Node's own wording.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, type Spawned, spawnTs } from "../support/child-processes.js";
import { cli, HELLO, onCleanup, ROOT } from "../support/cli-process.js";

const MASTER_KEY = "edges-master-key-0123456789";

/** A port on 127.0.0.1 that something else holds for the test. */
async function takenPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe("the command line", () => {
  it("no command: the usage on stderr, nothing on stdout, exit 2", async () => {
    const { code, stdout, stderr } = await cli([]).done;
    expect(stdout).toBe("");
    expect(stderr).toContain("structure-run-events: no command given: use run, serve or tail");
    expect(stderr).toContain("Usage: structure-run-events <command>");
    expect(code).toBe(2);
  });

  it("--help lists every flag of the usage lines under Options, --structure-id included", async () => {
    const { code, stdout } = await cli(["--help"]).done;
    expect(code).toBe(0);
    const [commands, options] = stdout.split("\nOptions:\n") as [string, string];
    const used = new Set([...commands.matchAll(/\[(--[a-z-]+)/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(5);
    const listed = new Set([...options.matchAll(/^ {2}(?:-[a-z], )?(--[a-z-]+)/gm)].map((m) => m[1]));
    for (const flag of used) expect(listed, `${flag} under Options`).toContain(flag);
  });

  it("a command without -- before it: says to put it after --, exit 2", async () => {
    const { code, stderr } = await cli(["run", "node", "x.js"]).done;
    expect(stderr).toContain('structure-run-events: run takes no argument before "--", got "node"');
    expect(stderr).toContain("run -- node my-structure.js");
    expect(code).toBe(2);
  });

  it("tail --offset -1: the flag's own message, not node:util's 'ambiguous', exit 2", async () => {
    const { code, stderr } = await cli(["tail", "r", "--offset", "-1"]).done;
    expect(stderr).toContain('structure-run-events: --offset must be a non-negative integer, got "-1"');
    expect(stderr).not.toContain("ambiguous");
    expect(code).toBe(2);
  });
});

describe("settings this machine refuses: one sentence, exit 2", () => {
  it("a port in use, for serve and for run", async () => {
    const port = await takenPort();
    for (const args of [
      ["serve", "--port", String(port)],
      ["run", "--port", String(port), "--", process.execPath, "-e", "0"],
    ]) {
      const { code, stdout, stderr } = await cli(args).done;
      expect(stderr, args[0]).toBe(
        `structure-run-events: cannot listen on 127.0.0.1:${port}: the port is in use; choose another (0 picks a free one)\n`,
      );
      expect(stdout).toBe("");
      expect(code).toBe(2);
    }
  });

  it("an events file in a folder that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sre-edges-"));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "no-such-folder", "events.ndjson");
    const { code, stderr } = await cli(["run", "--events-file", file, "--", process.execPath, "-e", "0"]).done;
    expect(stderr).toBe(
      `structure-run-events: cannot write the events file ${JSON.stringify(file)}: its directory does not exist (ENOENT)\n`,
    );
    expect(code).toBe(2);
  });
});

/** Starts `serve` with `args`; resolves with its banner once printed whole. */
async function serve(args: string[]): Promise<{ spawned: Spawned; banner: string }> {
  const spawned = cli(["serve", "--port", "0", ...args], { ...cleanEnv(), GT_EMULATOR_API_KEY: MASTER_KEY });
  const banner = await within(
    20_000,
    new Promise<string>((resolve, reject) => {
      let seen = "";
      spawned.child.stdout?.on("data", (c: Buffer) => {
        seen += c.toString();
        if (/Try: .*\n/.test(seen)) resolve(seen);
      });
      void spawned.done.then((d) => reject(new Error(`serve exited ${d.code}: ${d.stderr}`)));
    }),
    "serve's banner",
  );
  return { spawned, banner };
}

describe("serve bound to every address: its structures reach it over loopback", () => {
  it.each([
    ["0.0.0.0", /^http:\/\/127\.0\.0\.1:\d+$/, true],
    ["::", /^http:\/\/\[::1\]:\d+$/, true],
    ["::1", /^http:\/\/\[::1\]:\d+$/, false],
  ])("--host %s: runs succeed, and the printed URL and Try line work", async (host, pattern, exposed) => {
    const { spawned, banner } = await serve(["--host", host, "--", ...HELLO]);
    const url = /listening on (\S+)/.exec(banner)?.[1] ?? "";
    expect(url).toMatch(pattern);
    expect(banner.includes("reachable from the network"), banner).toBe(exposed);
    // The Try line is usable as printed.
    expect(banner).toContain(`Try: GT_CLOUD_BASE_URL=${url} GT_CLOUD_API_KEY=<key> npx structure-run-events tail`);
    const client = await spawnTs(join(ROOT, "examples/client.ts"), ["my-structure", "ping"], {
      env: { ...cleanEnv(), GT_CLOUD_BASE_URL: url, GT_CLOUD_API_KEY: MASTER_KEY },
      cwd: ROOT,
    }).done;
    expect(client.stdout).toContain("echo: ping");
    expect(client.stdout).toContain("status: SUCCEEDED");
    expect(client.code).toBe(0);
    spawned.child.kill("SIGINT");
    const { code, stderr } = await spawned.done;
    expect(stderr).toMatch(/run \S+ SUCCEEDED \(exit code 0\)/);
    expect(code).toBe(0);
  });

  it("bound to one address a structure's driver will not send its key to over http: refused at start, exit 2", async () => {
    // An IPv4-mapped loopback address: a real address to bind, whose URL form ([::ffff:7f00:1]) the driver does not
    // take for loopback, as it would not take a LAN address.
    const { code, stdout, stderr } = await cli(["serve", "--port", "0", "--host", "::ffff:127.0.0.1", "--", "true"])
      .done;
    expect(stderr).toContain("structure-run-events: serve -- <command> needs the emulator on a loopback address");
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });
});
