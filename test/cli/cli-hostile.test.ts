// The CLI under hostile input, in real child processes: keys kept out of argv and out of the structure's
// environment, commands that cannot be spawned, a stop while runs are live, summaries that say what happened.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type EventDetail, EventDetailSchema, EventsApiEmulator } from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, type Spawned } from "../support/child-processes.js";
import { cli, onCleanup, ROOT } from "../support/cli-process.js";
import { groupGone, killGroup, liveGroupMembers } from "../support/process-groups.js";

const MASTER_KEY = "master-key-for-the-test-0123456789";

/** Starts `serve`; resolves with its URL and banner once it listens. */
async function serve(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ spawned: Spawned; url: string; banner: string }> {
  const spawned = cli(["serve", "--port", "0", ...args], env);
  const banner = await within(
    20_000,
    new Promise<string>((resolve) => {
      let seen = "";
      spawned.child.stdout?.on("data", (c: Buffer) => {
        seen += c.toString();
        if (seen.includes("API key:") && seen.includes("\n", seen.indexOf("API key:"))) resolve(seen);
      });
    }),
    "serve's banner",
  );
  const url = /listening on (\S+)/.exec(banner)?.[1] ?? "";
  return { spawned, url, banner };
}

async function createRun(url: string, body: unknown): Promise<string> {
  const res = await fetch(`${url}/api/structures/s/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { structure_run_id: string }).structure_run_id;
}

async function runEvents(
  url: string,
  runId: string,
  until: (events: EventDetail[]) => boolean,
): Promise<EventDetail[]> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}/api/structure-runs/${runId}/events?limit=1000`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    const events = ((await res.json()) as { events: unknown[] }).events.map((e) => EventDetailSchema.parse(e));
    if (until(events)) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the run's events never reached the expected state");
}

const ended = (events: EventDetail[]) => events.some((e) => e.origin === "SYSTEM" && /Completed|Error/.test(e.type));

describe("keys stay out of argv and out of the structure's environment", () => {
  it("serve --api-key is refused with the reason and what to use instead, without echoing the key", async () => {
    for (const args of [
      ["serve", "--api-key", MASTER_KEY],
      ["tail", "r", `--api-key=${MASTER_KEY}`],
    ]) {
      const { code, stderr, stdout } = await cli(args).done;
      expect(code).toBe(2);
      expect(stderr).toContain("--api-key was removed");
      expect(stderr).toContain("--api-key-file");
      expect(stderr + stdout).not.toContain(MASTER_KEY);
    }
  });

  it("serve takes GT_EMULATOR_API_KEY, does not print it, and the structure gets only its own run key", async () => {
    const { spawned, url, banner } = await serve(
      ["--", process.execPath, "-e", "console.error('ENV ' + JSON.stringify(process.env))"],
      {
        ...cleanEnv(),
        GT_EMULATOR_API_KEY: MASTER_KEY,
      },
    );
    expect(banner).toContain("API key: (from GT_EMULATOR_API_KEY)");
    expect(banner).not.toContain(MASTER_KEY);
    const runId = await createRun(url, { args: [] });
    await runEvents(url, runId, ended);
    spawned.child.kill("SIGINT");
    const { code, stderr } = await spawned.done;
    expect(code).toBe(0);
    const env = JSON.parse(/ENV (\{.*\})/.exec(stderr)?.[1] ?? "{}") as Record<string, string>;
    expect(env.GT_CLOUD_STRUCTURE_RUN_ID).toBe(runId);
    expect(env.GT_CLOUD_API_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(env.GT_EMULATOR_API_KEY).toBeUndefined();
    expect(stderr).not.toContain(MASTER_KEY);
  });

  it("serve with a blank GT_EMULATOR_API_KEY (unset, as every blank variable) prints the key it made", async () => {
    const { spawned, url, banner } = await serve([], { ...cleanEnv(), GT_EMULATOR_API_KEY: "  " });
    const key = /API key: (\S+)/.exec(banner)?.[1] ?? "";
    expect(key).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const res = await fetch(`${url}/api/structures/s/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(201);
    spawned.child.kill("SIGINT");
    expect((await spawned.done).code).toBe(0);
  });

  it("serve --api-key-file - reads the key from standard input", async () => {
    const spawned = cli(["serve", "--port", "0", "--api-key-file", "-"]);
    spawned.child.stdin?.end(`${MASTER_KEY}\n`);
    const banner = await within(
      20_000,
      new Promise<string>((resolve) => {
        let seen = "";
        spawned.child.stdout?.on("data", (c: Buffer) => {
          seen += c.toString();
          if (/API key: .*\n/.test(seen)) resolve(seen);
        });
      }),
      "serve's banner",
    );
    expect(banner).toContain("API key: (read from standard input)");
    const url = /listening on (\S+)/.exec(banner)?.[1] ?? "";
    const res = await fetch(`${url}/api/structures/s/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(res.status).toBe(201);
    spawned.child.kill("SIGINT");
    expect((await spawned.done).code).toBe(0);
  });
});

describe("serve -- cmd when the command cannot be spawned", () => {
  it("3 MB of args (E2BIG) and a NUL byte in an env var value: StructureRunError, no value in any output", async () => {
    const secret = "nul-secret-value";
    const { spawned, url } = await serve(["--", "echo"], { ...cleanEnv(), GT_EMULATOR_API_KEY: MASTER_KEY });
    const big = await createRun(url, { args: ["x".repeat(3_000_000)] });
    const nul = await createRun(url, { env_vars: [{ name: "MY_VAR", value: `${secret}\u0000tail` }] });
    const bigEvents = await runEvents(url, big, ended);
    const nulEvents = await runEvents(url, nul, ended);
    for (const events of [bigEvents, nulEvents]) {
      expect(events.map((e) => e.type)).toEqual(["StructureRunStarting", "StructureRunError"]);
    }
    expect(JSON.stringify(bigEvents.at(-1)?.payload)).toContain("E2BIG");
    expect(JSON.stringify(nulEvents.at(-1)?.payload)).toContain(
      'environment variable \\"MY_VAR\\" contains a NUL byte',
    );
    // serve is still serving.
    expect(
      (await fetch(`${url}/api/structure-runs/${big}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).status,
    ).toBe(200);
    spawned.child.kill("SIGINT");
    const { code, stdout, stderr } = await spawned.done;
    expect(code).toBe(0);
    expect(stdout + stderr).not.toContain(secret);
    expect(stderr).toContain(`run ${nul} ERROR (exit code 126)`);
  });
});

describe("serve stops cleanly with runs still going", () => {
  it("Ctrl-C reaches every running structure's group; serve exits once they have ended, leaving nothing", async () => {
    const { spawned, url } = await serve(["--", "sh", "-c", "echo pgid $$ >&2; sleep 30; true"], {
      ...cleanEnv(),
      GT_EMULATOR_API_KEY: MASTER_KEY,
    });
    let stderr = "";
    spawned.child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const runId = await createRun(url, {});
    await within(
      10_000,
      (async () => {
        while (!/pgid \d+/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      "the structure's pgid",
    );
    const pgid = Number(/pgid (\d+)/.exec(stderr)?.[1]);
    onCleanup(() => killGroup(pgid));
    // Until `sleep` has been exec'd, a SIGINT lands on the shell's forked copy, which defers it (dash catches
    // SIGINT while it waits for a foreground job): a terminal's Ctrl-C would race the same way.
    await within(
      10_000,
      (async () => {
        while (!liveGroupMembers(pgid).some((p) => p.comm === "sleep")) await new Promise((r) => setTimeout(r, 20));
      })(),
      "the structure's sleep",
    );
    spawned.child.kill("SIGINT");
    const { code } = await within(15_000, spawned.done, "serve's exit");
    expect(code).toBe(0);
    expect(stderr).toContain(`run ${runId} CANCELLED`);
    expect(await groupGone(pgid)).toEqual([]);
  });
});

describe("summaries say what happened", () => {
  it("run: a failed run's ErrorArtifact output is marked as an error, as the live line marks it", async () => {
    const failing = ["node", "--import", "tsx", join(ROOT, "examples/failing-structure.ts")];
    const { code, stdout } = await cli(["run", "--", ...failing]).done;
    expect(code).toBe(1);
    expect(stdout).toMatch(/FinishStructureRunEvent output error "the search tool is unavailable"/);
    expect(stdout).toMatch(/\noutput {4}error "the search tool is unavailable"\n/);
  });

  it("run: a structure that never published a FinishStructureRunEvent is said so", async () => {
    const { code, stdout } = await cli(["run", "--", process.execPath, "-e", "0"]).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/output\s+no output: the structure never published a FinishStructureRunEvent/);
  });

  it("tail: the duration is the run's, from its SYSTEM events; a duplicate is shown once and counted", async () => {
    const emulator = new EventsApiEmulator();
    await emulator.start();
    onCleanup(() => emulator.close());
    const run = emulator.createRun();
    const runId = run.structure_run_id;
    const starting = emulator.recordSystemEvent(runId, "StructureRunStarting", { status: "STARTING" });
    const startedAt = formatSystemTime();
    emulator.recordSystemEvent(runId, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
    const chunk = `[{"payload":{"type":"TextChunkEvent","id":"${"c".repeat(32)}","token":"only-once"},"timestamp":1,"type":"TextChunkEvent"}]`;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${emulator.url}/api/structure-runs/${runId}/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
        body: chunk,
      });
      expect(res.status).toBe(202);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    const completed = emulator.recordSystemEvent(runId, "StructureRunCompleted", {
      status: "SUCCEEDED",
      started_at: startedAt,
      completed_at: formatSystemTime(),
      status_detail: { reason: "Completed", message: null, exit_code: 0 },
    });
    const expected = ((Date.parse(completed.created_at) - Date.parse(starting.created_at)) / 1000).toFixed(2);
    // Started well after the run ended: a duration measured by tail itself could not match.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { code, stdout } = await cli(["tail", runId, "--base-url", emulator.url], {
      ...cleanEnv(),
      GT_CLOUD_API_KEY: emulator.apiKey,
    }).done;
    expect(code).toBe(0);
    expect(stdout).toContain(`duration  ${expected} s`);
    expect(stdout.split("only-once").length - 1).toBe(1);
    expect(stdout).toMatch(/events\s+1 USER, 3 SYSTEM \(1 duplicate skipped\)/);
  });
});
