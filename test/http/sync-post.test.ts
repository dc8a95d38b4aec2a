/**
 * The synchronous POST made from a process 'exit' handler (src/http/sync-post.ts), exercised the way it runs:
 * a structure calls process.exit, its worker process POSTs to a real server on 127.0.0.1.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { workerEnv } from "../../src/http/sync-post.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { waitFor } from "../support/delivery-harness.js";
import { type FaultServer, startFaultServer } from "../support/fault-server.js";

const STRUCTURE = fileURLToPath(new URL("../run/structures/structure.ts", import.meta.url));
const API_KEY = "sk-syncpost-0123456789-SECRET";
const RUN_ID = "run-sync";

let server: FaultServer | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  killChildren();
  await server?.close();
  server = undefined;
  for (const close of closers.splice(0)) await close();
});

function env(baseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    GT_CLOUD_STRUCTURE_RUN_ID: RUN_ID,
    GT_CLOUD_API_KEY: API_KEY,
    GT_CLOUD_BASE_URL: baseUrl,
    NODE_OPTIONS: "--max-old-space-size=256",
    ...extra,
  };
}

/** Pids of the synchronous-delivery workers whose parent is `pid`, from /proc (tsx starts an esbuild child too). */
function workersOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the name (field 2) may hold spaces, so parse after ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (ppid === pid && cmdline.includes("process.stdin.on")) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

describe("the worker process gets nothing secret from its parent", () => {
  it("passes on only TLS, proxy and Windows settings", () => {
    expect(
      workerEnv({
        GT_CLOUD_API_KEY: API_KEY,
        GT_CLOUD_STRUCTURE_RUN_ID: "r",
        NODE_OPTIONS: "--import tsx",
        HOME: "/root",
        NODE_EXTRA_CA_CERTS: "/ca.pem",
        HTTPS_PROXY: "http://proxy:3128",
      }),
    ).toEqual({ NODE_EXTRA_CA_CERTS: "/ca.pem", HTTPS_PROXY: "http://proxy:3128" });
  });

  // /proc is how another user of the machine would read the key; this test reads it the same way.
  it.runIf(existsSync("/proc/self/environ"))(
    "neither its environment (/proc/<pid>/environ) nor its argv holds the key",
    async () => {
      server = await startFaultServer({ apiKey: API_KEY });
      // Every request waits, so the worker is alive while the test looks at it.
      server.setDown(true, { kind: "delay", ms: 1500 });
      const { child, done } = spawnTs(STRUCTURE, ["exit-later", "3"], { env: env(server.url) });
      let workers: number[] = [];
      await waitFor(
        () => {
          workers = workersOf(child.pid!);
          return workers.length > 0;
        },
        20_000,
        "the synchronous POST's worker process",
      );
      for (const pid of workers) {
        const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        expect(environ).not.toContain(API_KEY);
        expect(environ).not.toContain("GT_CLOUD_");
        expect(environ).not.toContain("NODE_OPTIONS");
        expect(cmdline).not.toContain(API_KEY);
      }
      const finished = await done;
      expect(finished.code).toBe(3);
      // The worker really delivered: the run's Finish event arrived.
      expect(server.events(RUN_ID).map((e) => (e as { type: string }).type)).toContain("FinishStructureRunEvent");
    },
  );
});

describe("the worker reads no answer's body", () => {
  it("an endless error body: the exit is not held, and the body is not read", async () => {
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, "e");
    const endless: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(503);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
      };
      res.on("drain", pump);
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, "127.0.0.1", resolve));
    closers.push(async () => {
      endless.closeAllConnections();
      await new Promise<void>((resolve) => endless.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
    const finished = await spawnTs(STRUCTURE, ["exit", "3"], {
      env: env(url, { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "3000", GT_EVENTS_RETRY_INITIAL_DELAY_MS: "5" }),
    }).done;
    expect(finished.code).toBe(7);
    expect(finished.stderr).toContain("HTTP 503");
    // The kernel buffers a few MB on loopback; a worker reading the bodies would take gigabytes in 3 s.
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });
});
