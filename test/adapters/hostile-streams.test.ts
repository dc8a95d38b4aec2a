import type { TextStreamPart, ToolSet } from "ai";
import fc from "fast-check";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { publishAiSdkStream } from "../../src/ai-sdk.js";
import { StructureRunEventsError } from "../../src/index.js";
import { publishOpenAIStream } from "../../src/openai.js";
import { expectAllPythonShaped, Recorder, type WireEvent } from "./adapter-harness.js";

type Part = TextStreamPart<ToolSet>;

/** A part the adapter must refuse: not an object, or a text delta whose text is not a string. */
const JUNK = Symbol("junk");
type Generated = { part: unknown; junk: boolean };

const id = fc.constantFrom("a", "b", "c");
const toolName = fc.constantFrom("Calculator_add", "Clock", "Web_search_now", "_x", "");
const token = fc.string({ maxLength: 6 });
const count = fc.oneof(fc.nat({ max: 1000 }), fc.constant(undefined), fc.double(), fc.constant(-1));
const valid = (part: unknown): Generated => ({ part, junk: false });

const aiSdkPart: fc.Arbitrary<Generated> = fc.oneof(
  fc.constant(valid({ type: "start-step", request: {}, warnings: [] })),
  fc.record({ id, text: token }).map((p) => valid({ type: "text-delta", ...p })),
  fc.record({ id, text: token }).map((p) => valid({ type: "reasoning-delta", ...p })),
  fc.record({ id, toolName }).map((p) => valid({ type: "tool-input-start", ...p })),
  fc.record({ id, delta: token }).map((p) => valid({ type: "tool-input-delta", ...p })),
  fc.record({ toolCallId: id, toolName, input: fc.jsonValue() }).map((p) => valid({ type: "tool-call", ...p })),
  fc
    .record({ toolCallId: id, toolName, input: fc.jsonValue(), output: fc.jsonValue() })
    .map((p) => valid({ type: "tool-result", ...p })),
  fc
    .record({ toolCallId: id, toolName, input: fc.jsonValue(), error: fc.string() })
    .map((p) => valid({ type: "tool-error", ...p, error: new Error(p.error) })),
  fc
    .record({ inputTokens: count, outputTokens: count })
    .map((usage) => valid({ type: "finish-step", usage, response: { modelId: "m" }, finishReason: "stop" })),
  fc.constant(valid({ type: "finish", finishReason: "stop", totalUsage: {} })),
  fc.constant(valid({ type: "an-unknown-part-type", id: "x" })),
  fc.constant(valid({ type: "text-start", id: "a" })),
  fc.oneof(fc.constant(null), fc.constant(7), fc.constant("text-delta")).map((part) => ({ part, junk: true })),
  fc.record({ id, text: fc.integer() }).map((p) => ({ part: { type: "text-delta", ...p }, junk: true })),
);

function toStream(parts: readonly unknown[]): ReadableStream<Part> {
  return new ReadableStream<Part>({
    start(controller) {
      for (const part of parts) controller.enqueue(part as Part);
      controller.close();
    },
  });
}

/** Each StartPromptEvent is finished before the next starts, and none is left open, whatever happened. */
function expectBalancedPrompts(events: readonly WireEvent[]): void {
  let open = false;
  for (const event of events) {
    if (event.type === "StartPromptEvent") {
      expect(open, "a prompt started inside another").toBe(false);
      open = true;
    } else if (event.type === "FinishPromptEvent") {
      expect(open, "a prompt finished that never started").toBe(true);
      open = false;
    } else if (event.type === "TextChunkEvent" || event.type === "ActionChunkEvent") {
      expect(open, `${event.type} outside a prompt`).toBe(true);
    }
  }
  expect(open, "a prompt left open").toBe(false);
}

describe("publishAiSdkStream: any sequence of parts", () => {
  it("only resolves or throws a typed error (or the stream's own error), and loses nothing it read", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(aiSdkPart, { maxLength: 30 }), async (generated) => {
        const recorder = new Recorder();
        const parts = generated.map((g) => g.part);
        const firstError = parts.find(
          (p): p is { type: "error"; error: unknown } =>
            typeof p === "object" && p !== null && (p as { type?: unknown }).type === "error",
        );
        let thrown: unknown = JUNK;
        try {
          await publishAiSdkStream({ fullStream: toStream(parts) }, recorder.publishEvent);
        } catch (error) {
          thrown = error;
        }
        if (thrown !== JUNK && thrown !== firstError?.error) {
          expect(thrown).toBeInstanceOf(StructureRunEventsError);
        }
        // Every text delta read before the first refused part was published, in order.
        const firstJunk = generated.findIndex((g) => g.junk);
        const read = firstJunk < 0 ? generated : generated.slice(0, firstJunk);
        if (firstJunk >= 0) expect(thrown).toBeInstanceOf(StructureRunEventsError);
        const expectedTokens = read
          .map((g) => g.part as { type: string; text?: string })
          .filter((p) => p.type === "text-delta" && p.text !== "")
          .map((p) => p.text);
        const events = recorder.events;
        expect(events.filter((e) => e.type === "TextChunkEvent").map((e) => e.token)).toEqual(expectedTokens);
        expectBalancedPrompts(events);
        expectAllPythonShaped(events);
      }),
      { numRuns: 150 },
    );
  });
});

const chatDelta = fc.record(
  {
    content: fc.oneof(token, fc.constant(null)),
    tool_calls: fc.array(
      fc.record(
        {
          index: fc.nat({ max: 3 }),
          id: fc.constantFrom("call_1", "call_2"),
          function: fc.record({ name: toolName, arguments: token }, { requiredKeys: [] }),
        },
        { requiredKeys: ["index"] },
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const chatChunk: fc.Arbitrary<Generated> = fc.oneof(
  fc.record({ delta: chatDelta, finish: fc.constantFrom(null, "stop", "tool_calls") }).map(({ delta, finish }) =>
    valid({
      object: "chat.completion.chunk",
      model: "gpt-4.1",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    }),
  ),
  fc
    .record({ prompt_tokens: count, completion_tokens: count })
    .map((usage) => valid({ object: "chat.completion.chunk", model: "gpt-4.1", choices: [], usage })),
  fc.oneof(fc.constant(null), fc.constant("data")).map((part) => ({ part, junk: true })),
  fc.integer().map((n) => ({
    part: { object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: n } }] },
    junk: true,
  })),
);

describe("publishOpenAIStream: any sequence of Chat Completions chunks", () => {
  it("only resolves or throws a typed error, and loses nothing it read", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chatChunk, { minLength: 1, maxLength: 20 }), async (generated) => {
        const recorder = new Recorder();
        async function* stream(): AsyncGenerator<ChatCompletionChunk> {
          for (const g of generated) yield g.part as ChatCompletionChunk;
        }
        let thrown: unknown = JUNK;
        try {
          await publishOpenAIStream(stream(), recorder.publishEvent);
        } catch (error) {
          thrown = error;
        }
        if (thrown !== JUNK) expect(thrown).toBeInstanceOf(StructureRunEventsError);
        const firstJunk = generated.findIndex((g) => g.junk);
        const read = firstJunk < 0 ? generated : generated.slice(0, firstJunk);
        const expectedTokens = read
          .map((g) => (g.part as { choices: { delta?: { content?: unknown } }[] }).choices[0]?.delta?.content)
          .filter((c): c is string => typeof c === "string" && c !== "");
        const events = recorder.events;
        expect(events.filter((e) => e.type === "TextChunkEvent").map((e) => e.token)).toEqual(expectedTokens);
        expectBalancedPrompts(events);
        expectAllPythonShaped(events);
      }),
      { numRuns: 150 },
    );
  });
});
