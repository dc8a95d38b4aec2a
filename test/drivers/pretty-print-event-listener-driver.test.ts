import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { summarizeEvent } from "../../src/events/event-summary.js";
import { EventBus, EventListener, PrettyPrintEventListenerDriver } from "../../src/index.js";
import { readFixture } from "../support/fixtures.js";

const fixtures = readFixture("python-events.json") as { event: Record<string, unknown> & { type: string } }[];
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A bus printing to a real file, and a way to read what was printed. */
function printer() {
  const dir = mkdtempSync(join(tmpdir(), "pretty-print-"));
  dirs.push(dir);
  const path = join(dir, "out.txt");
  const fd = openSync(path, "w");
  const driver = new PrettyPrintEventListenerDriver({ fd, color: false });
  const bus = new EventBus();
  bus.addEventListener(new EventListener({ driver }));
  const printed = async (): Promise<string> => {
    await driver.shutdown();
    closeSync(fd);
    return readFileSync(path, "utf8");
  };
  return { bus, printed };
}

describe("PrettyPrintEventListenerDriver", () => {
  it("prints every event the framework writes as its type and its one-line summary", async () => {
    const { bus, printed } = printer();
    for (const { event } of fixtures)
      if (event.type !== "TextChunkEvent") bus.publishEvent(structuredClone(event) as never);
    const lines = (await printed()).split("\n").filter((l) => l !== "");
    const expected = fixtures
      .filter(({ event }) => event.type !== "TextChunkEvent")
      .map(({ event }) => [event.type, summarizeEvent(event)].filter((part) => part !== "").join(" "));
    expect(lines).toEqual(expected);
    expect(lines).toContain('FinishPromptEvent gpt-4.1 → "Five" (12 in, 1 out tokens)');
    expect(lines).toContain("FinishImageGenerationEvent");
  });

  it("streams text chunks as text, keeping line feeds and escaping other control characters", async () => {
    const { bus, printed } = printer();
    bus.publishEvent({ type: "TextChunkEvent", token: "Fi" });
    bus.publishEvent({ type: "TextChunkEvent", token: "ve\u001b[31m!\tok\n" });
    bus.publishEvent({ type: "TextChunkEvent", token: "more" });
    bus.publishEvent({ type: "ToolCalled\u001b[2J", tool: "Echo" });
    expect(await printed()).toBe('Five\\u001b[31m!\tok\nmore\nToolCalled\\u001b[2J tool="Echo"\n');
  });
});
