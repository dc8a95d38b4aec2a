import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import { EventsApiEmulator, StructureRunResourceSchema, startLocalRun } from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { groupGone } from "../support/process-groups.js";
import { within } from "./emulator-harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EMULATOR_API_KEY = "GT_EMULATOR_API_KEY";

let emulator: EventsApiEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function started(): Promise<EventsApiEmulator> {
  emulator = new EventsApiEmulator();
  await emulator.start();
  return emulator;
}

describe("startLocalRun", () => {
  it("a command that cannot start ends the run as ERROR once, and nothing follows", async () => {
    const e = await started();
    const local = startLocalRun({ emulator: e, command: "no-such-command-xyz", stdout: "ignore", stderr: "ignore" });
    const result = await local.done;
    // Node emits "close" after the spawn error: it must not record a second terminal event (or throw).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(result).toMatchObject({ exitCode: 127, status: "ERROR" });
    expect(e.events(local.run.structure_run_id).map((ev) => ev.type)).toEqual([
      "StructureRunStarting",
      "StructureRunError",
    ]);
    expect(e.getRun(local.run.structure_run_id)?.status).toBe("ERROR");
  });

  it("passes the three GT_CLOUD_* variables and the run's env vars, and hands the output to a function", async () => {
    const e = await started();
    const run = e.createRun({ args: [], envVars: { EXTRA: "yes" } });
    let out = "";
    const local = startLocalRun({
      emulator: e,
      run,
      command: process.execPath,
      args: [
        "-e",
        "const v = process.env; console.log([v.GT_CLOUD_STRUCTURE_RUN_ID, v.GT_CLOUD_BASE_URL, v.GT_CLOUD_API_KEY, v.EXTRA].join(' ')); process.exit(3)",
      ],
      stdout: (chunk) => {
        out += chunk.toString();
      },
      stderr: "ignore",
    });
    const result = await local.done;
    expect(out.trim()).toBe(`${run.structure_run_id} ${e.url} ${run.apiKey} yes`);
    expect(result).toMatchObject({ exitCode: 3, status: "FAILED" });
    expect(e.events(run.structure_run_id).map((ev) => (ev.payload as { status: string }).status)).toEqual([
      "STARTING",
      "RUNNING",
      "FAILED",
    ]);
  });

  it("done resolves with the run as it ended: its status, output and end, in the wire form (no key)", async () => {
    const e = await started();
    // A structure that reports its output as the driver does: one FinishStructureRunEvent, posted with its key.
    const script = `
const v = process.env;
const finish = { type: "FinishStructureRunEvent", id: "f".repeat(32), timestamp: 1, structure_id: null,
  output_task_input: null,
  output_task_output: { type: "TextArtifact", id: "t".repeat(32), reference: null, meta: {}, name: "t", value: "ok" } };
const res = await fetch(v.GT_CLOUD_BASE_URL + "/api/structure-runs/" + v.GT_CLOUD_STRUCTURE_RUN_ID + "/events", {
  method: "POST",
  headers: { authorization: "Bearer " + v.GT_CLOUD_API_KEY, "content-type": "application/json" },
  body: JSON.stringify([{ payload: finish, timestamp: 1, type: finish.type }]),
});
process.exit(res.status === 202 ? 0 : 9);
`;
    const local = startLocalRun({
      emulator: e,
      command: process.execPath,
      args: ["--input-type=module", "-e", script],
      stdout: "ignore",
      stderr: "ignore",
    });
    const result = await within(20_000, local.done, "the run");
    expect(result.status).toBe("SUCCEEDED");
    expect(result.run).toEqual(StructureRunResourceSchema.parse(result.run));
    expect(result.run).toMatchObject({
      structure_run_id: local.run.structure_run_id,
      status: "SUCCEEDED",
      output: { type: "TextArtifact", value: "ok" },
      status_detail: { exit_code: 0 },
    });
    expect(result.run.completed_at).not.toBeNull();
    expect(result.run).not.toHaveProperty("apiKey");
    expect(result.run).not.toHaveProperty("envVars");
    expect(JSON.stringify(result)).not.toContain(local.run.apiKey);

    const failed = await startLocalRun({ emulator: e, command: "no-such-command-xyz", stderr: "ignore" }).done;
    expect(failed.run).toMatchObject({
      status: "ERROR",
      status_detail: { error: "command not found: no-such-command-xyz" },
    });
    expect(failed.run).not.toHaveProperty("apiKey");
  });

  it("a run's args are its input, not the command line: the command's own args first, then the run's", async () => {
    const e = await started();
    const printArgv = ["-e", "console.log(JSON.stringify(process.argv.slice(1)))"];
    const argvOf = async (options: { run?: ReturnType<EventsApiEmulator["createRun"]> }) => {
      let out = "";
      const local = startLocalRun({
        emulator: e,
        command: process.execPath,
        args: printArgv,
        ...options,
        stdout: (chunk) => {
          out += chunk.toString();
        },
        stderr: "ignore",
      });
      const result = await local.done;
      return { argv: JSON.parse(out) as string[], run: result.run, resource: e.getRun(local.run.structure_run_id) };
    };
    // A run made by startLocalRun (as `run -- <command…>` does) has no input: the command line is not its args.
    const own = await argvOf({});
    expect(own.argv).toEqual([]);
    expect(own.run.args).toEqual([]);
    expect(own.resource?.args).toEqual([]);
    // A run created with args (as POST /api/structures/{id}/runs does): they follow the command, as in the Cloud.
    const created = e.createRun({ args: ["what", "is up"] });
    const withInput = await argvOf({ run: created });
    expect(withInput.argv).toEqual(["what", "is up"]);
    expect(withInput.run.args).toEqual(["what", "is up"]);
  });
});

describe("startLocalRun: a command that cannot be spawned ends the run as ERROR, never STARTING for ever", () => {
  it("E2BIG (3 MB of arguments): StructureRunError, exit code 126, done resolves", async () => {
    const e = await started();
    const local = startLocalRun({ emulator: e, command: "echo", args: ["x".repeat(3_000_000)], stdout: "ignore" });
    const result = await local.done;
    expect(result).toMatchObject({ exitCode: 126, status: "ERROR" });
    const events = e.events(local.run.structure_run_id);
    expect(events.map((ev) => ev.type)).toEqual(["StructureRunStarting", "StructureRunError"]);
    expect(JSON.stringify(events[1]?.payload)).toContain("E2BIG");
    expect(e.getRun(local.run.structure_run_id)?.status).toBe("ERROR");
  });

  it("a NUL byte in an argument or an env var value: StructureRunError naming it, never quoting the value", async () => {
    const e = await started();
    const secret = "s3cret-value";
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        fc.boolean(),
        async (before, after, inEnv) => {
          const value = `${secret}${before}\0${after}`;
          const run = e.createRun({ args: inEnv ? ["ok"] : ["ok", value], envVars: inEnv ? { MY_VAR: value } : {} });
          const local = startLocalRun({ emulator: e, run, command: "echo", stdout: "ignore", stderr: "ignore" });
          const result = await local.done;
          expect(result).toMatchObject({ exitCode: 126, status: "ERROR" });
          const error = e.events(run.structure_run_id).at(-1);
          expect(error?.type).toBe("StructureRunError");
          const text = JSON.stringify(error);
          expect(text).not.toContain(secret);
          expect(text).toContain(
            inEnv ? 'environment variable \\"MY_VAR\\" contains a NUL byte' : "argument 2 contains a NUL byte",
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("startLocalRun: killAfterMs is a delay setting", () => {
  // 3e9 overflowed Node's timer: the group was SIGKILLed 1 ms after the first cancel, its grace period lost.
  it("a value no timer can wait (too large, negative, fractional, NaN, not a number) is a ConfigError, and no run is made", async () => {
    const e = await started();
    const bad = fc.oneof(
      fc.integer({ min: 24 * 60 * 60 * 1000 + 1, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 3_000_000_000),
      fc.string(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(bad, (killAfterMs) => {
        let thrown: unknown;
        try {
          startLocalRun({
            emulator: e,
            command: "true",
            stdout: "ignore",
            stderr: "ignore",
            killAfterMs: killAfterMs as number,
          });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect(thrown).toMatchObject({ code: "ERR_CONFIG", variable: "killAfterMs" });
        expect((thrown as Error).message).toMatch(/^option killAfterMs is invalid: /);
      }),
    );
    const page = (await (
      await fetch(`${e.url}/api/structure-runs`, { headers: { authorization: `Bearer ${e.apiKey}` } })
    ).json()) as { total_count: number };
    expect(page.total_count).toBe(0);
  });
});

describe("startLocalRun: the structure's environment and process group", () => {
  it("the structure gets its own run key only: the master key variable is not inherited", async () => {
    const e = await started();
    let out = "";
    const local = startLocalRun({
      emulator: e,
      command: process.execPath,
      args: ["-e", "process.stdout.write(JSON.stringify(process.env))"],
      env: { ...process.env, [EMULATOR_API_KEY]: e.apiKey, OTHER: "kept" },
      stdout: (chunk) => {
        out += chunk.toString();
      },
      stderr: "ignore",
    });
    await local.done;
    const env = JSON.parse(out) as Record<string, string>;
    expect(env[EMULATOR_API_KEY]).toBeUndefined();
    expect(out).not.toContain(e.apiKey);
    expect(env.GT_CLOUD_API_KEY).toBe(local.run.apiKey);
    expect(env.OTHER).toBe("kept");
  });

  it("a structure that ignores every cancel is killed, whole group, killAfterMs after the first", async () => {
    const e = await started();
    let out = "";
    const local = startLocalRun({
      emulator: e,
      command: "sh",
      args: ["-c", "trap '' INT TERM; echo pgid $$; sleep 30 & wait; wait"],
      killAfterMs: 300,
      stdout: (chunk) => {
        out += chunk.toString();
      },
      stderr: "ignore",
    });
    await within(
      10_000,
      until(() => /pgid \d+/.test(out)),
      "the structure's first line",
    );
    const pgid = Number(/pgid (\d+)/.exec(out)?.[1]);
    local.cancel("SIGINT");
    const result = await within(10_000, local.done, "the run after one cancel");
    expect(result).toMatchObject({ status: "CANCELLED", exitCode: 137 });
    expect(await groupGone(pgid)).toEqual([]);
  });

  it("when the host process exits, the structure's group is killed with it", async () => {
    const script = `
import { EventsApiEmulator, startLocalRun } from ${JSON.stringify(join(ROOT, "src/local.js"))};
const emulator = new EventsApiEmulator();
await emulator.start();
startLocalRun({ emulator, command: "sh", args: ["-c", "echo pgid $$; sleep 30"], stdout: (c) => {
  process.stdout.write(c);
  process.exit(0);
} });
`;
    const dir = mkdtempSync(join(tmpdir(), "sre-local-run-"));
    try {
      writeFileSync(join(dir, "host.mts"), script);
      const { code, stdout } = await spawnTs(join(dir, "host.mts"), [], { env: cleanEnv() }).done;
      expect(code).toBe(0);
      const pgid = Number(/pgid (\d+)/.exec(stdout)?.[1]);
      expect(pgid).toBeGreaterThan(1);
      expect(await groupGone(pgid)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      killChildren();
    }
  });
});

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("startLocalRun when the run's status is moved in-process meanwhile", () => {
  /** What reaches the host as uncaught: the emulator's RunStateError must not. */
  function hostErrors(): { errors: unknown[]; stop: () => void } {
    const errors: unknown[] = [];
    const onError = (error: unknown): void => {
      errors.push(error);
    };
    process.on("uncaughtException", onError);
    process.on("unhandledRejection", onError);
    return {
      errors,
      stop: () => {
        process.off("uncaughtException", onError);
        process.off("unhandledRejection", onError);
      },
    };
  }

  it("a run ended by the caller before the command spawned: done resolves with that end, nothing thrown", async () => {
    const e = await started();
    const host = hostErrors();
    try {
      const local = startLocalRun({ emulator: e, command: process.execPath, args: ["-e", ""], stderr: "ignore" });
      const runId = local.run.structure_run_id;
      // Before the child's 'spawn' (emitted on a later turn): the RUNNING record there would move a terminal run.
      e.recordSystemEvent(runId, "StructureRunError", { status: "ERROR", status_detail: { error: "ended by caller" } });
      const result = await within(10_000, local.done, "done");
      expect(result).toMatchObject({ exitCode: 0, status: "ERROR" });
      expect(result.run).toMatchObject({ status: "ERROR", status_detail: { error: "ended by caller" } });
      expect(e.events(runId).map((ev) => ev.type)).toEqual(["StructureRunStarting", "StructureRunError"]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(host.errors).toEqual([]);
    } finally {
      host.stop();
    }
  });

  it("a run ended by the caller while the command runs: done resolves with that end when it exits", async () => {
    const e = await started();
    const dir = mkdtempSync(join(tmpdir(), "local-run-"));
    const host = hostErrors();
    try {
      const go = join(dir, "go");
      // Exits with 4 once the test says so, after the caller has ended the run itself.
      const script =
        "const fs = require('node:fs'); const t = setInterval(() => { if (fs.existsSync(process.argv[1])) { clearInterval(t); process.exitCode = 4; } }, 20);";
      const local = startLocalRun({
        emulator: e,
        command: process.execPath,
        args: ["-e", script, go],
        stderr: "ignore",
      });
      const runId = local.run.structure_run_id;
      await within(
        10_000,
        until(() => e.getRun(runId)?.status === "RUNNING"),
        "RUNNING",
      );
      e.recordSystemEvent(runId, "StructureRunCompleted", {
        status: "CANCELLED",
        started_at: formatSystemTime(),
        completed_at: formatSystemTime(),
        status_detail: { reason: "Cancelled", message: "ended by caller", exit_code: null },
      });
      writeFileSync(go, "");
      const result = await within(10_000, local.done, "done");
      expect(result).toMatchObject({ exitCode: 4, status: "CANCELLED" });
      expect(result.run).toMatchObject({ status: "CANCELLED", status_detail: { message: "ended by caller" } });
      expect(e.events(runId).map((ev) => ev.type)).toEqual([
        "StructureRunStarting",
        "StructureRunRunning",
        "StructureRunCompleted",
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(host.errors).toEqual([]);
    } finally {
      host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
