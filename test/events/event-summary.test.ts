import { describe, expect, it } from "vitest";
import { summarizeEvent } from "../../src/events/event-summary.js";
import { readFixture } from "../support/fixtures.js";

interface PythonEvent {
  note: string;
  event: Record<string, unknown> & { type: string };
}

const fixtures = readFixture("python-events.json") as PythonEvent[];

/** The one-line summary of each event the Python framework wrote, by its note. */
const EXPECTED: Record<string, string> = {
  "Structure.before_run": 'structure s1 input ["What is 2+3?"]',
  "BaseTask.before_run": 'task t1 input "What is 2+3?"',
  "BasePromptDriver.before_run": 'gpt-4.1, 2 messages, last user: "What is 2+3?"',
  "first tool-call chunk": "call_1 Calculator.add",
  "later tool-call chunk": '"{\\"values\\": {\\"a\\": 2"',
  "text delta": '"Five"',
  "audio delta": "4 bytes of audio",
  "BasePromptDriver.after_run": 'gpt-4.1 → "Five" (12 in, 1 out tokens)',
  "ActionsSubtask.before_run": 'subtask st1 of t1 Calculator.add({"values":{"a":2,"b":3}}) thought "I should add"',
  "ActionsSubtask.after_run": 'subtask st1 output ["5"]',
  "BaseTask.after_run": 'task t1 output "Five"',
  "image generation start": '"a red fox"',
  "image generation finish": "",
  "image query start": '"what is in it?" on fox.png',
  "image query finish": '→ "a fox"',
  "tts start": '"hello"',
  "tts finish": "",
  "transcription start": "",
  "transcription finish": "",
  "Structure.after_run": 'structure s1 output "Five"',
  "output as JsonArtifact": 'output {"answer":5}',
  "output as BooleanArtifact": "output true",
  "output as ErrorArtifact": 'output error "boom"',
  "output as BlobArtifact": "output 5 bytes",
  "output as ListArtifact": 'output ["a","b"]',
};

describe("summarizeEvent", () => {
  it.each(fixtures.map((f) => [f.note, f] as const))("%s: a line of its own", (note, { event }) => {
    expect(summarizeEvent(event)).toBe(EXPECTED[note]);
  });

  it("a custom event: its fields as key=value, nulls left out, artifacts by value", () => {
    const artifact = { type: "TextArtifact", id: "x", reference: null, meta: {}, name: "x", value: "v" };
    expect(
      summarizeEvent({
        type: "ToolCalled",
        id: "i",
        timestamp: 1,
        meta: {},
        tool: "Echo",
        ok: true,
        gone: null,
        a: artifact,
      }),
    ).toBe('tool="Echo" ok=true a="v"');
  });

  it("a known type the schema does not accept (another producer's) is shown field by field", () => {
    expect(summarizeEvent({ type: "TextChunkEvent", token: "hi", extra: 1 })).toBe('token="hi" extra=1');
  });

  it("escapes control characters and stays on one line, however long", () => {
    const line = summarizeEvent({ type: "TextChunkEvent", token: `a\u001b[2J\n\u009b${"x".repeat(1000)}` });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left.
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line.length).toBeLessThanOrEqual(240);
    const custom = summarizeEvent({ type: "X", "k\u001b": "v\u0007", long: "y".repeat(1000) });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left.
    expect(custom).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(custom.length).toBeLessThanOrEqual(240);
    expect(custom.endsWith("…")).toBe(true);
  });
});
