import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidEventError, MemoryEventListenerDriver, runStructure, toArtifact } from "../../src/index.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { captureLogger } from "../support/delivery-harness.js";

const LATE_PUBLISH = fileURLToPath(new URL("./structures/late-publish.ts", import.meta.url));
const WARNING = "after the run's FinishStructureRunEvent: the event is not sent, the run is over";

afterEach(() => killChildren());

describe("the context's publishEvent after the run's FinishStructureRunEvent", () => {
  it("exit: false: not sent, warned once through the run's logger naming the type; bad input still refused", async () => {
    const log = captureLogger();
    const driver = new MemoryEventListenerDriver();
    let publish: ((event: { type: string; [key: string]: unknown }) => { type: string; id: string }) | undefined;
    await runStructure(
      ({ publishEvent }) => {
        publish = publishEvent as typeof publish;
        return "ok";
      },
      { exit: false, driver, env: {}, logger: log.logger },
    );
    const late = publish!({ type: "TextChunkEvent", token: "late", index: 0 });
    expect(late).toMatchObject({ type: "TextChunkEvent" });
    publish!({ type: "OtherLateEvent" });
    expect(() => publish!({ type: "TextChunkEvent", token: 5 })).toThrow(InvalidEventError);
    expect(driver.events.map((e) => e.type)).toEqual(["StartStructureRunEvent", "FinishStructureRunEvent"]);
    expect(log.entries(40).map((e) => e.msg)).toEqual([`publishEvent(TextChunkEvent) ${WARNING} (said once per run)`]);
  });

  it("after a Finish event the entry published itself: the output stays the last event", async () => {
    const log = captureLogger();
    const driver = new MemoryEventListenerDriver();
    await runStructure(
      ({ publishEvent }) => {
        publishEvent({ type: "FinishStructureRunEvent", output_task_output: toArtifact("mine") });
        publishEvent({ type: "TextChunkEvent", token: "after my own output", index: 0 });
        return "ignored";
      },
      { exit: false, driver, env: {}, logger: log.logger },
    );
    expect(driver.events.map((e) => e.type)).toEqual(["StartStructureRunEvent", "FinishStructureRunEvent"]);
    expect(log.text()).toContain(`publishEvent(TextChunkEvent) ${WARNING}`);
  });

  it("exit: true: a timer's publish while the run ends, and one after it, reach no driver and are not 'dropped'", async () => {
    const { done } = spawnTs(LATE_PUBLISH, [], { env: cleanEnv() });
    const finished = await done;
    expect(finished.code).toBe(0);
    // The driver's shutdown waited for the timer's publish: before the fix it got the event after the output.
    expect(finished.stderr).toContain("driver got: StartStructureRunEvent,FinishStructureRunEvent\n");
    expect(finished.stderr).toContain('report: {"sent":2,"failed":0,"dropped":0,"pending":0}');
    expect(finished.stderr.split(WARNING)).toHaveLength(2);
    expect(finished.stderr).toContain(`publishEvent(TextChunkEvent) ${WARNING}`);
  }, 30_000);
});
