import { describe, expect, it } from "vitest";
import { MemoryEventListenerDriver, runStructure } from "../../src/index.js";

const HOOKED = ["SIGTERM", "SIGINT", "uncaughtException", "unhandledRejection", "beforeExit", "exit"] as const;

function listenerCounts(): number[] {
  return HOOKED.map((event) => process.listenerCount(event));
}

describe("runStructure in-process (exit: false)", () => {
  it("installs its process hooks for the run and removes exactly those afterwards", async () => {
    const before = listenerCounts();
    let during: number[] = [];
    const driver = new MemoryEventListenerDriver();
    const result = await runStructure(
      ({ args }) => {
        during = listenerCounts();
        return `got ${args.join(",")}`;
      },
      { exit: false, driver, args: ["a", "b"], env: {} },
    );
    expect(during).toEqual(before.map((n) => n + 1));
    expect(listenerCounts()).toEqual(before);
    expect(result).toMatchObject({ exitCode: 0, end: "returned", output: { type: "TextArtifact", value: "got a,b" } });
    expect(driver.events.map((e) => e.type)).toEqual(["StartStructureRunEvent", "FinishStructureRunEvent"]);
    expect(driver.events[0]).toMatchObject({ input_task_input: { type: "ListArtifact" } });
  });

  it("refuses a second concurrent run with ERR_ALREADY_RUNNING, and allows one after", async () => {
    let release: (value: string) => void = () => {};
    const pending = new Promise<string>((resolve) => {
      release = resolve;
    });
    const first = runStructure(() => pending, { exit: false, driver: new MemoryEventListenerDriver(), env: {} });
    expect(() => runStructure(() => "two", { exit: false, driver: new MemoryEventListenerDriver(), env: {} })).toThrow(
      expect.objectContaining({ code: "ERR_ALREADY_RUNNING" }),
    );
    release("one");
    expect(await first).toMatchObject({ exitCode: 0, output: { value: "one" } });
    const again = await runStructure(() => "three", { exit: false, driver: new MemoryEventListenerDriver(), env: {} });
    expect(again.output).toMatchObject({ value: "three" });
  });

  it("a bad deadline variable is a ConfigError naming it", () => {
    expect(() =>
      runStructure(() => 1, {
        exit: false,
        driver: new MemoryEventListenerDriver(),
        env: { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "10s" },
      }),
    ).toThrow(expect.objectContaining({ code: "ERR_CONFIG", variable: "GT_EVENTS_SHUTDOWN_TIMEOUT_MS" }));
  });

  it.each(["GT_EVENTS_SHUTDOWN_TIMEOUT_MS", "GT_EVENTS_SIGNAL_GRACE_MS"])(
    "runStructure refuses %s above a day",
    (variable) => {
      expect(() =>
        runStructure(() => 1, {
          exit: false,
          driver: new MemoryEventListenerDriver(),
          env: { [variable]: "3000000000" },
        }),
      ).toThrow(expect.objectContaining({ code: "ERR_CONFIG", variable }));
    },
  );
});
