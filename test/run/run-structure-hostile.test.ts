/**
 * The exit path against values user code throws that resist being read (a Proxy whose traps throw, a
 * null-prototype object holding a BigInt, an Error whose getters throw, `undefined`…), in real child processes
 * for each way a run can end with one, and as a property over generated values in a child of its own.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { type FaultServer, startFaultServer } from "../support/fault-server.js";

const HOSTILE = fileURLToPath(new URL("./structures/hostile-structure.ts", import.meta.url));
const PROPERTY = fileURLToPath(new URL("./structures/hostile-property.ts", import.meta.url));
const API_KEY = "sk-hostile-0123456789";
const RUN_ID = "run-hostile";

let server: FaultServer | undefined;
afterEach(async () => {
  killChildren();
  await server?.close();
  server = undefined;
});

interface WireEvent {
  type: string;
  output_task_output?: { type: string; value: unknown } | null;
}

function env(s: FaultServer): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    GT_CLOUD_STRUCTURE_RUN_ID: RUN_ID,
    GT_CLOUD_API_KEY: API_KEY,
    GT_CLOUD_BASE_URL: s.url,
    GT_EVENTS_RETRY_INITIAL_DELAY_MS: "5",
    GT_EVENTS_RETRY_MAX_DELAY_MS: "50",
  };
}

const CASES: [string, string][] = [
  ...["proxy", "null-prototype-bigint", "error-with-throwing-getters", "undefined", "throwing-to-primitive"].map(
    (name): [string, string] => [name, "throw"],
  ),
  ...["proxy", "null-prototype-bigint", "error-with-throwing-getters", "undefined"].map((name): [string, string] => [
    name,
    "uncaught",
  ]),
  ...["proxy", "null-prototype-bigint", "error-with-proxy-cause"].map((name): [string, string] => [name, "unhandled"]),
  ["proxy", "reject"],
  ["proxy", "return"],
  ["huge-string", "throw"],
];

describe("a hostile thrown value never breaks the exit path", () => {
  it.each(CASES)("%s (%s): exit 1 at once, an ErrorArtifact delivered, a line on stderr", async (name, how) => {
    server = await startFaultServer({ apiKey: API_KEY });
    const started = performance.now();
    const finished = await spawnTs(HOSTILE, [name, how], { env: env(server) }).done;
    expect(finished.code).toBe(1);
    // At once: not after the 11 s keep-alive the broken exit path used to linger for.
    expect(performance.now() - started).toBeLessThan(8000);
    const events = server.events(RUN_ID) as WireEvent[];
    expect(events.map((e) => e.type)).toEqual(["StartStructureRunEvent", "TextChunkEvent", "FinishStructureRunEvent"]);
    const output = events[2]!.output_task_output!;
    expect(output.type).toBe("ErrorArtifact");
    expect(typeof output.value).toBe("string");
    expect(String(output.value).length).toBeGreaterThan(0);
    expect(String(output.value).length).toBeLessThan(17_000);
    // A line on stderr about what was thrown, and nothing saying the output was lost.
    expect(finished.stderr.trim()).not.toBe("");
    expect(finished.stderr).not.toContain("did not reach");
  });

  it("`throw undefined` says so on stderr and in the output", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const finished = await spawnTs(HOSTILE, ["undefined", "throw"], { env: env(server) }).done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain("undefined (thrown, not an Error)");
    const finish = (server.events(RUN_ID) as WireEvent[]).at(-1)!;
    expect(finish.output_task_output).toMatchObject({
      type: "ErrorArtifact",
      value: "undefined (thrown, not an Error)",
    });
  });

  it("holds for generated values thrown, rejected with or returned (property, in a child process)", async () => {
    const finished = await spawnTs(PROPERTY, ["150"], { env: cleanEnv() }).done;
    expect(finished.code).toBe(0);
    const verdict = JSON.parse(finished.stdout.trim().split("\n").at(-1) ?? "{}") as { ok?: boolean; error?: string };
    expect(verdict.error).toBeUndefined();
    expect(verdict.ok).toBe(true);
  }, 120_000);
});
