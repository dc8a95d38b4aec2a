// `tail` in a real child process against real servers on 127.0.0.1 that behave as Events APIs do when things go
// wrong: nothing listening, no stream route, a stream closed in the middle of a run, a server gone right after the
// run. tail follows the run to its end whatever the server does, or says in one sentence why it cannot, and its
// exit code is the run's end, never 0 for a run that did not succeed.
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { EventDetail } from "../../src/local.js";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, spawnTs } from "../support/child-processes.js";
import { closedPort, detail, frames, listen, page, RUN_ID, serve } from "../support/fake-events-api.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "src/cli/main.ts");
const KEY = "tail-test-key-0123456789-secret";
const STREAM_PATH = `/api/structure-runs/${RUN_ID}/events/stream`;
const LIST_PATH = `/api/structure-runs/${RUN_ID}/events`;

function tail(base: string, ...args: string[]) {
  return spawnTs(CLI, ["tail", RUN_ID, ...args], {
    env: { ...cleanEnv(), GT_CLOUD_BASE_URL: base, GT_CLOUD_API_KEY: KEY },
    cwd: ROOT,
  }).done;
}

/** A run as a server stores it: STARTING, RUNNING, a text chunk, the structure's Finish event, then `end`. */
function run(end: EventDetail["payload"], output: Record<string, unknown> = text("done")): EventDetail[] {
  const terminal = (end as { status: string }).status === "ERROR" ? "StructureRunError" : "StructureRunCompleted";
  return [
    detail(0, "StructureRunStarting", "SYSTEM", { status: "STARTING" }),
    detail(1, "StructureRunRunning", "SYSTEM", { status: "RUNNING", started_at: "2024-09-11T23:15:41" }),
    detail(2, "TextChunkEvent", "USER", { type: "TextChunkEvent", id: "a".repeat(32), token: "hello\n" }),
    detail(3, "FinishStructureRunEvent", "USER", {
      type: "FinishStructureRunEvent",
      id: "f".repeat(32),
      structure_id: null,
      output_task_input: null,
      output_task_output: output,
    }),
    detail(4, terminal, "SYSTEM", end),
  ];
}

function text(value: string): Record<string, unknown> {
  return { type: "TextArtifact", id: "t".repeat(32), reference: null, meta: {}, name: "t", value };
}

function completed(status: "SUCCEEDED" | "FAILED" | "CANCELLED", exitCode: number | null): EventDetail["payload"] {
  return {
    status,
    started_at: "2024-09-11T23:15:41",
    completed_at: "2024-09-11T23:15:44",
    status_detail: { reason: status, message: null, exit_code: exitCode },
  };
}

/** A server streaming the whole of `events` on each connection. */
async function streaming(events: readonly EventDetail[]): Promise<string> {
  const base = await serve((_req, res, url) => {
    if (url.pathname === STREAM_PATH) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(frames(events, Number(url.searchParams.get("offset"))));
      return;
    }
    res.writeHead(500).end();
  });
  return base;
}

describe("tail follows the run to its end whatever the server does", () => {
  it("nothing listens: one sentence on stderr and exit 1 after the bounded retries, not silence and 0", async () => {
    const base = await closedPort();
    const { code, stdout, stderr } = await within(30_000, tail(base), "tail");
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      new RegExp(
        `^structure-run-events: tail could not follow run "${RUN_ID}" at ${base.replaceAll(".", "\\.")}: the Events API could not be reached \\(ECONNREFUSED\\); gave up after 7 attempts in a row without an answer over \\d+\\.\\d s\\n$`,
      ),
    );
    expect(code).toBe(1);
  });

  it("a stream route that answers 404: polls the list route between empty pages until the run ends", async () => {
    const events = run(completed("SUCCEEDED", 0));
    let available = 2;
    let emptyPolls = 0;
    const base = await serve((_req, res, url) => {
      if (url.pathname === STREAM_PATH) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
        return;
      }
      if (url.pathname !== LIST_PATH) {
        res.writeHead(500).end();
        return;
      }
      const offset = Number(url.searchParams.get("offset"));
      res.writeHead(200, { "content-type": "application/json" }).end(page(events.slice(0, available), offset));
      // The run ends after two empty polls, a second apart: tail must wait through them.
      if (offset >= available && ++emptyPolls >= 2) available = events.length;
    });
    const { code, stdout } = await within(30_000, tail(base), "tail");
    expect(stdout).toContain("● STARTING");
    expect(stdout).toContain("hello\n");
    expect(stdout).toContain("● SUCCEEDED");
    expect(stdout).toMatch(/output\s+"done"/);
    expect(code).toBe(0);
  });

  it("a stream closed mid-run and a server gone right after the run: every event, the output seen, its exit code", async () => {
    const events = run(completed("FAILED", 4), text("partial"));
    let connections = 0;
    const server = createServer((_req, res) => {
      const url = new URL(_req.url ?? "/", "http://127.0.0.1");
      if (url.pathname !== STREAM_PATH) {
        res.writeHead(500).end();
        return;
      }
      connections++;
      res.writeHead(200, { "content-type": "text/event-stream" });
      const from = Number(url.searchParams.get("offset"));
      if (connections === 1) {
        // STARTING and RUNNING, then the stream ends in the middle of the run.
        res.end(frames(events, from, 2));
        return;
      }
      // The rest, then the server goes away: reading the run resource now would be refused.
      res.end(frames(events, from), () => {
        server.close();
        server.closeAllConnections();
      });
    });
    const base = await listen(server);
    const { code, stdout, stderr } = await within(30_000, tail(base), "tail");
    expect(connections).toBe(2);
    for (const status of ["STARTING", "RUNNING", "FAILED"]) expect(stdout).toContain(`● ${status}`);
    expect(stdout).toContain("hello\n");
    expect(stdout).toMatch(/status\s+FAILED \(exit code 4\)/);
    expect(stdout).toMatch(/output\s+"partial"/);
    expect(stdout).not.toContain("could not read the run");
    expect(stderr).toBe("");
    expect(code).toBe(4);
  });
});

describe("tail's exit code is the run's end", () => {
  it.each([
    ["SUCCEEDED", completed("SUCCEEDED", 0), 0],
    ["FAILED with its exit code", completed("FAILED", 3), 3],
    ["FAILED without one", completed("FAILED", null), 1],
    ["FAILED with a code no process has (256 would exit 0)", completed("FAILED", 256), 1],
    ["FAILED with a negative code", completed("FAILED", -1), 1],
    ["CANCELLED with its exit code", completed("CANCELLED", 143), 143],
    ["CANCELLED without one", completed("CANCELLED", null), 130],
    ["ERROR", { status: "ERROR", status_detail: { error: "command not found: x" } }, 1],
  ] as const)("%s", async (_name, end, expected) => {
    const base = await streaming(run(end as EventDetail["payload"]));
    for (const json of [false, true]) {
      const { code } = await within(20_000, tail(base, ...(json ? ["--json"] : [])), "tail");
      expect(code, json ? "--json" : "live view").toBe(expected);
    }
  });
});

describe("tail refuses base URLs the driver refuses", () => {
  it("plain http off loopback (the key would travel in clear): exit 2, naming the flag and the escape hatch", async () => {
    const { code, stderr } = await spawnTs(CLI, ["tail", RUN_ID, "--base-url", "http://example.com"], {
      env: { ...cleanEnv(), GT_CLOUD_API_KEY: KEY },
      cwd: ROOT,
    }).done;
    expect(stderr).toContain("--base-url uses plain http to example.com: the API key would travel unencrypted");
    expect(stderr).toContain("--allow-insecure-http");
    expect(stderr).not.toContain(KEY);
    expect(code).toBe(2);
  });

  it("credentials in GT_CLOUD_BASE_URL: exit 2, never echoing them", async () => {
    const { code, stderr } = await tail("http://user:s3cret-pw@127.0.0.1:9");
    expect(stderr).toContain("GT_CLOUD_BASE_URL must not carry credentials");
    expect(stderr).not.toContain("s3cret-pw");
    expect(code).toBe(2);
  });
});
