import {
  jsonSchema,
  simulateReadableStream,
  stepCountIs,
  streamText,
  type TextStreamPart,
  type ToolSet,
  tool,
} from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { ModelStreamError, publishAiSdkStream, StreamAbortedError } from "../../src/ai-sdk.js";
import { ConfigError, EventListener } from "../../src/index.js";
import { HOSTILE_VALUES } from "../support/hostile-values.js";
import { brief, expectAllPythonShaped, Recorder } from "./adapter-harness.js";

type ModelStreamResult = Awaited<ReturnType<MockLanguageModelV3["doStream"]>>;
type ModelPart = ModelStreamResult["stream"] extends ReadableStream<infer P> ? P : never;

function usage(input: number | undefined, output: number | undefined) {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

function finish(reason: "stop" | "tool-calls", input?: number, output?: number): ModelPart {
  return { type: "finish", finishReason: { unified: reason, raw: reason }, usage: usage(input, output) };
}

function text(id: string, ...deltas: string[]): ModelPart[] {
  return [
    { type: "text-start", id },
    ...deltas.map((delta): ModelPart => ({ type: "text-delta", id, delta })),
    { type: "text-end", id },
  ];
}

function streamedToolCall(id: string, toolName: string, ...deltas: string[]): ModelPart[] {
  return [
    { type: "tool-input-start", id, toolName },
    ...deltas.map((delta): ModelPart => ({ type: "tool-input-delta", id, delta })),
    { type: "tool-input-end", id },
    { type: "tool-call", toolCallId: id, toolName, input: deltas.join("") },
  ];
}

/** A model that answers each call with the next scripted step, streamed with no delay. */
function scriptedModel(...steps: ModelPart[][]): MockLanguageModelV3 {
  let call = 0;
  return new MockLanguageModelV3({
    modelId: "gpt-4.1",
    doStream: async () => {
      const chunks = steps[call++] ?? [];
      return { stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }) };
    },
  });
}

/** A model whose stream the test drives by hand; like a provider's fetch, its stream fails when the call is aborted. */
function handDrivenModel() {
  let controller!: ReadableStreamDefaultController<ModelPart>;
  let started!: () => void;
  const ready = new Promise<void>((resolve) => {
    started = resolve;
  });
  const seen: { abortSignal: AbortSignal | undefined; cancelled: boolean } = {
    abortSignal: undefined,
    cancelled: false,
  };
  const model = new MockLanguageModelV3({
    modelId: "gpt-4.1",
    doStream: async (options) => {
      seen.abortSignal = options.abortSignal;
      options.abortSignal?.addEventListener("abort", () => controller.error(options.abortSignal?.reason), {
        once: true,
      });
      const stream = new ReadableStream<ModelPart>({
        start(c) {
          controller = c;
          started();
        },
        cancel() {
          seen.cancelled = true;
        },
      });
      return { stream };
    },
  });
  /** Sends a part once the SDK has asked the model to stream. */
  const push = async (part: ModelPart): Promise<void> => {
    await ready;
    controller.enqueue(part);
  };
  const streamController = async (): Promise<ReadableStreamDefaultController<ModelPart>> => {
    await ready;
    return controller;
  };
  return { model, seen, push, controller: streamController };
}

const calculator = tool({
  description: "Adds two numbers",
  inputSchema: jsonSchema<{ a: number; b: number }>({
    type: "object",
    properties: { a: { type: "number" }, b: { type: "number" } },
    required: ["a", "b"],
  }),
  execute: async ({ a, b }) => String(a + b),
});

const PROMPT = [
  ["system", "You are terse."],
  ["user", "What is 2+3?"],
];
const ACTION = { tag: "call_1", name: "Calculator", path: "add", input: { values: { a: 2, b: 3 } } };
const ACTION_TEXT = JSON.stringify(ACTION);

describe("publishAiSdkStream: a two-step tool loop", () => {
  it("publishes Python's sequence: prompt, chunks, finish, the actions subtask, then the next prompt", async () => {
    const recorder = new Recorder();
    const model = scriptedModel(
      [
        ...text("t1", "Let me add."),
        ...streamedToolCall("call_1", "Calculator_add", '{"a":2,', '"b":3}'),
        finish("tool-calls", 12, 9),
      ],
      [...text("t2", "Fi", "ve"), finish("stop", 20, 1)],
    );
    const call = {
      model,
      system: "You are terse.",
      prompt: "What is 2+3?",
      tools: { Calculator_add: calculator },
      stopWhen: stepCountIs(3),
    };
    const summary = await publishAiSdkStream(streamText(call), recorder.publishEvent, call);

    expect(summary).toEqual({ text: "Five", usage: { inputTokens: 32, outputTokens: 10 } });
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", PROMPT],
      ["TextChunkEvent", 0, "Let me add."],
      ["ActionChunkEvent", 1, "call_1", "Calculator", "add", null],
      ["ActionChunkEvent", 1, null, null, null, '{"a":2,'],
      ["ActionChunkEvent", 1, null, null, null, '"b":3}'],
      ["FinishPromptEvent", "gpt-4.1", "Let me add.", 12, 9],
      ["StartActionsSubtaskEvent", "Let me add.", [ACTION], null],
      ["FinishActionsSubtaskEvent", "Let me add.", [ACTION], [["call_1 output", "TextArtifact", "5"]]],
      ["StartPromptEvent", "gpt-4.1", [...PROMPT, ["assistant", "Let me add.", ACTION_TEXT], ["user", "5"]]],
      ["TextChunkEvent", 0, "Fi"],
      ["TextChunkEvent", 0, "ve"],
      ["FinishPromptEvent", "gpt-4.1", "Five", 20, 1],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(12);
  });

  it("gives the Start and Finish of one subtask the same task id, and chains a second subtask to the first", async () => {
    const recorder = new Recorder();
    const model = scriptedModel(
      [...streamedToolCall("call_1", "Calculator_add", '{"a":2,"b":3}'), finish("tool-calls")],
      [...streamedToolCall("call_2", "Calculator_add", '{"a":5,"b":5}'), finish("tool-calls")],
      [...text("t3", "Ten"), finish("stop")],
    );
    await publishAiSdkStream(
      streamText({ model, prompt: "2+3+5?", tools: { Calculator_add: calculator }, stopWhen: stepCountIs(3) }),
      recorder.publishEvent,
    );
    const subtasks = recorder.events.filter((e) => e.type.endsWith("ActionsSubtaskEvent"));
    expect(subtasks.map((e) => [e.type, e.task_parent_ids])).toEqual([
      ["StartActionsSubtaskEvent", []],
      ["FinishActionsSubtaskEvent", []],
      ["StartActionsSubtaskEvent", [subtasks[0]?.task_id]],
      ["FinishActionsSubtaskEvent", [subtasks[0]?.task_id]],
    ]);
    expect(subtasks[0]?.task_id).toBe(subtasks[1]?.task_id);
    expect(subtasks[2]?.task_id).toBe(subtasks[3]?.task_id);
    // A step that only called tools has no thought, and no text as its result.
    expect(subtasks[0]?.subtask_thought).toBeNull();
    expect(recorder.events.filter((e) => e.type === "FinishPromptEvent").map((e) => e.result)).toEqual(["", "", "Ten"]);
    // Token counts a stream does not report are null, never 0.
    expect(recorder.events.find((e) => e.type === "FinishPromptEvent")?.input_token_count).toBeNull();
    expectAllPythonShaped(recorder.events);
  });

  it("names the subtask's parent task when given a taskId", async () => {
    const recorder = new Recorder();
    const model = scriptedModel(
      [...streamedToolCall("call_1", "Calculator_add", '{"a":2,"b":3}'), finish("tool-calls")],
      [...text("t2", "Five"), finish("stop")],
    );
    await publishAiSdkStream(
      streamText({ model, prompt: "2+3?", tools: { Calculator_add: calculator }, stopWhen: stepCountIs(2) }),
      recorder.publishEvent,
      { taskId: "t1" },
    );
    const subtasks = recorder.events.filter((e) => e.type.endsWith("ActionsSubtaskEvent"));
    expect(subtasks.map((e) => e.subtask_parent_task_id)).toEqual(["t1", "t1"]);
  });
});

describe("publishAiSdkStream: text only", () => {
  it("publishes one prompt with its text chunks and resolves with the text and usage", async () => {
    const recorder = new Recorder();
    const model = scriptedModel([...text("t1", "", "Hel", "lo"), finish("stop", 7, 2)]);
    const result = streamText({ model, prompt: "Hi" });
    const summary = await publishAiSdkStream(result, recorder.publishEvent, { model, prompt: "Hi" });
    expect(summary).toEqual({ text: "Hello", usage: { inputTokens: 7, outputTokens: 2 } });
    // fullStream tees: the result's own promises still resolve after the adapter read the stream.
    expect(await result.text).toBe("Hello");
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", [["user", "Hi"]]],
      ["TextChunkEvent", 0, "Hel"],
      ["TextChunkEvent", 0, "lo"],
      ["FinishPromptEvent", "gpt-4.1", "Hello", 7, 2],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(4);
  });

  it("numbers the text parts of a step in order, and leaves reasoning out unless asked", async () => {
    const steps: ModelPart[] = [
      { type: "reasoning-start", id: "r1" },
      { type: "reasoning-delta", id: "r1", delta: "Thinking" },
      { type: "reasoning-end", id: "r1" },
      ...text("t1", "One"),
      ...text("t2", "Two"),
      finish("stop", 1, 1),
    ];
    const plain = new Recorder();
    await publishAiSdkStream(streamText({ model: scriptedModel(steps), prompt: "Hi" }), plain.publishEvent);
    expect(plain.events.map(brief).slice(1, -1)).toEqual([
      ["TextChunkEvent", 0, "One"],
      ["TextChunkEvent", 1, "Two"],
    ]);

    const withReasoning = new Recorder();
    await publishAiSdkStream(streamText({ model: scriptedModel(steps), prompt: "Hi" }), withReasoning.publishEvent, {
      reasoningEventType: "ReasoningChunkEvent",
    });
    expect(withReasoning.events.map(brief).slice(1, -1)).toEqual([
      ["ReasoningChunkEvent", 0, "Thinking"],
      ["TextChunkEvent", 0, "One"],
      ["TextChunkEvent", 1, "Two"],
    ]);
    expectAllPythonShaped(withReasoning.events);
  });

  it("takes the model id from the provider's request, else from the response, when none is given", async () => {
    const recorder = new Recorder();
    const model = scriptedModel([
      { type: "response-metadata", id: "r1", modelId: "gpt-4.1-2025-04-14", timestamp: new Date(0) },
      ...text("t1", "Hi"),
      finish("stop"),
    ]);
    await publishAiSdkStream(streamText({ model, prompt: "Hi" }), recorder.publishEvent);
    // The mock sends no request body, so the start cannot know the model; the finish names the one that answered.
    expect(recorder.events.map((e) => [e.type, e.model])).toEqual([
      ["StartPromptEvent", "unknown"],
      ["TextChunkEvent", undefined],
      ["FinishPromptEvent", "gpt-4.1-2025-04-14"],
    ]);

    const withBody = new Recorder();
    const bodyModel = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream({ chunks: [...text("t1", "Hi"), finish("stop")], chunkDelayInMs: null }),
        request: { body: { model: "claude-sonnet-4", messages: [] } },
      }),
    });
    await publishAiSdkStream(streamText({ model: bodyModel, prompt: "Hi" }), withBody.publishEvent);
    expect(withBody.events.map((e) => e.model).filter(Boolean)).toEqual(["claude-sonnet-4", "claude-sonnet-4"]);
  });

  it("publishes a tool call that arrives whole as one chunk with its header and input", async () => {
    const recorder = new Recorder();
    const model = scriptedModel(
      [
        { type: "tool-call", toolCallId: "call_1", toolName: "Calculator_add", input: '{"a":2,"b":3}' },
        finish("tool-calls"),
      ],
      [...text("t2", "Five"), finish("stop")],
    );
    await publishAiSdkStream(
      streamText({ model, prompt: "2+3?", tools: { Calculator_add: calculator }, stopWhen: stepCountIs(2) }),
      recorder.publishEvent,
      { model },
    );
    expect(recorder.events.map(brief).slice(1, 3)).toEqual([
      ["ActionChunkEvent", 0, "call_1", "Calculator", "add", '{"a":2,"b":3}'],
      ["FinishPromptEvent", "gpt-4.1", "", null, null],
    ]);
    expectAllPythonShaped(recorder.events);
  });
});

describe("publishAiSdkStream: a tool that fails", () => {
  it("puts an ErrorArtifact named after the call in the subtask's output, and the loop goes on", async () => {
    const recorder = new Recorder();
    const divide = tool({
      inputSchema: jsonSchema<{ a: number; b: number }>({ type: "object" }),
      execute: async (): Promise<string> => {
        throw new Error("division by zero");
      },
    });
    const model = scriptedModel(
      [...streamedToolCall("call_1", "Calculator_divide", '{"a":1,"b":0}'), finish("tool-calls", 5, 5)],
      [...text("t2", "Cannot divide by zero."), finish("stop", 9, 4)],
    );
    const summary = await publishAiSdkStream(
      streamText({ model, prompt: "1/0?", tools: { Calculator_divide: divide }, stopWhen: stepCountIs(2) }),
      recorder.publishEvent,
      { model, prompt: "1/0?" },
    );
    const action = { tag: "call_1", name: "Calculator", path: "divide", input: { values: { a: 1, b: 0 } } };
    expect(summary.text).toBe("Cannot divide by zero.");
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", [["user", "1/0?"]]],
      ["ActionChunkEvent", 0, "call_1", "Calculator", "divide", null],
      ["ActionChunkEvent", 0, null, null, null, '{"a":1,"b":0}'],
      ["FinishPromptEvent", "gpt-4.1", "", 5, 5],
      ["StartActionsSubtaskEvent", null, [action], null],
      ["FinishActionsSubtaskEvent", null, [action], [["call_1 output", "ErrorArtifact", "division by zero"]]],
      [
        "StartPromptEvent",
        "gpt-4.1",
        [
          ["user", "1/0?"],
          ["assistant", JSON.stringify(action)],
          ["user", "division by zero"],
        ],
      ],
      ["TextChunkEvent", 0, "Cannot divide by zero."],
      ["FinishPromptEvent", "gpt-4.1", "Cannot divide by zero.", 9, 4],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(9);
  });
});

describe("publishAiSdkStream: a tool whose result resists being read", () => {
  const trap = (): never => {
    throw new Error("trap: cannot be read");
  };
  const results: Record<string, [() => unknown, RegExp]> = {
    // The AI SDK passes this one through as it is: only `instanceof` (and what reads the prototype) throws.
    "a Proxy whose prototype cannot be read": [
      () => new Proxy({}, { getPrototypeOf: trap }),
      /^the tool's output cannot be read: trap: cannot be read$/,
    ],
    "a Proxy whose every trap throws": [HOSTILE_VALUES.proxy!, /./],
    "an object whose toJSON throws": [
      HOSTILE_VALUES["throwing-to-primitive"]!,
      /^the tool's output cannot be sent as JSON: ./,
    ],
    "a BigInt in a null-prototype object": [
      HOSTILE_VALUES["null-prototype-bigint"]!,
      /^the tool's output cannot be sent as JSON: ./,
    ],
    "an Error whose getters throw": [
      HOSTILE_VALUES["error-with-throwing-getters"]!,
      /^an error that cannot be printed$/,
    ],
  };
  it.each(Object.keys(results))(
    "%s becomes the call's ErrorArtifact, and the subtask's events are published",
    async (name) => {
      const [make, message] = results[name]!;
      const recorder = new Recorder();
      const hostile = tool({
        inputSchema: jsonSchema<{ a: number; b: number }>({ type: "object" }),
        execute: async (): Promise<unknown> => make(),
      });
      const model = scriptedModel([
        ...text("t1", "Let me look."),
        ...streamedToolCall("call_1", "Calculator_add", '{"a":1,"b":2}'),
        finish("tool-calls", 5, 5),
      ]);
      const summary = await publishAiSdkStream(
        streamText({ model, prompt: "1+2?", tools: { Calculator_add: hostile }, stopWhen: stepCountIs(1) }),
        recorder.publishEvent,
        { model, prompt: "1+2?" },
      );
      expect(summary.text).toBe("Let me look.");
      const action = { tag: "call_1", name: "Calculator", path: "add", input: { values: { a: 1, b: 2 } } };
      expect(recorder.events.filter((e) => e.type.endsWith("ActionsSubtaskEvent")).map(brief)).toEqual([
        ["StartActionsSubtaskEvent", "Let me look.", [action], null],
        [
          "FinishActionsSubtaskEvent",
          "Let me look.",
          [action],
          [["call_1 output", "ErrorArtifact", expect.stringMatching(message)]],
        ],
      ]);
      expectAllPythonShaped(recorder.events);
    },
  );
});

describe("publishAiSdkStream: abort", () => {
  it("stops at once on its signal, even while the model stream is silent, and publishes nothing after", async () => {
    const recorder = new Recorder();
    const { model, seen, push } = handDrivenModel();
    const abort = new AbortController();
    // Abort the moment the first text chunk is published: the model then stays silent, as a hung request would.
    recorder.bus.addEventListener(
      new EventListener({
        eventTypes: ["TextChunkEvent"],
        onEvent: (event) => {
          abort.abort(new Error("SIGTERM"));
          return event;
        },
      }),
    );
    const done = publishAiSdkStream(streamText({ model, prompt: "Hi" }), recorder.publishEvent, {
      model,
      prompt: "Hi",
      signal: abort.signal,
    });
    await push({ type: "text-start", id: "t1" });
    await push({ type: "text-delta", id: "t1", delta: "Hel" });
    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StreamAbortedError);
    expect((error as StreamAbortedError).code).toBe("ERR_STREAM_ABORTED");
    expect((error as StreamAbortedError).cause).toEqual(new Error("SIGTERM"));
    // The model keeps talking after the abort; none of it is published.
    await push({ type: "text-delta", id: "t1", delta: "lo" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", [["user", "Hi"]]],
      ["TextChunkEvent", 0, "Hel"],
      ["FinishPromptEvent", "gpt-4.1", "Hel", null, null, "interrupted: abort"],
    ]);
    expect(seen.abortSignal).toBeUndefined();
    expectAllPythonShaped(recorder.events);
  });

  it("reports an abort of the streamText call itself as StreamAbortedError, and the model request is cancelled", async () => {
    const recorder = new Recorder();
    const { model, seen, push } = handDrivenModel();
    const abort = new AbortController();
    recorder.bus.addEventListener(
      new EventListener({
        eventTypes: ["TextChunkEvent"],
        onEvent: (event) => {
          abort.abort(new Error("SIGINT"));
          return event;
        },
      }),
    );
    const done = publishAiSdkStream(
      streamText({ model, prompt: "Hi", abortSignal: abort.signal }),
      recorder.publishEvent,
      { model, signal: abort.signal },
    );
    await push({ type: "text-start", id: "t1" });
    await push({ type: "text-delta", id: "t1", delta: "Hel" });
    await expect(done).rejects.toBeInstanceOf(StreamAbortedError);
    expect(seen.abortSignal?.aborted).toBe(true);
    expect(recorder.events.map(brief).at(-1)).toEqual([
      "FinishPromptEvent",
      "gpt-4.1",
      "Hel",
      null,
      null,
      "interrupted: abort",
    ]);
  });

  it("reports the SDK's own abort part when only streamText had the signal", async () => {
    const recorder = new Recorder();
    const { model, push } = handDrivenModel();
    const abort = new AbortController();
    recorder.bus.addEventListener(
      new EventListener({
        eventTypes: ["TextChunkEvent"],
        onEvent: (event) => {
          abort.abort();
          return event;
        },
      }),
    );
    const done = publishAiSdkStream(
      streamText({ model, prompt: "Hi", abortSignal: abort.signal }),
      recorder.publishEvent,
    );
    await push({ type: "text-start", id: "t1" });
    await push({ type: "text-delta", id: "t1", delta: "Hel" });
    await expect(done).rejects.toBeInstanceOf(StreamAbortedError);
    expect(recorder.events.map((e) => e.type)).toEqual(["StartPromptEvent", "TextChunkEvent", "FinishPromptEvent"]);
  });

  it("with a signal already aborted, reads nothing and publishes nothing", async () => {
    const recorder = new Recorder();
    const model = scriptedModel([...text("t1", "Hi"), finish("stop")]);
    await expect(
      publishAiSdkStream(streamText({ model, prompt: "Hi" }), recorder.publishEvent, { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(StreamAbortedError);
    expect(recorder.events).toEqual([]);
  });
});

describe("publishAiSdkStream: errors", () => {
  it("rethrows the very error of a stream that fails mid-way, after publishing what it had", async () => {
    const recorder = new Recorder();
    const { model, push, controller } = handDrivenModel();
    const reset = new Error("socket reset");
    const done = publishAiSdkStream(streamText({ model, prompt: "Hi", onError: () => {} }), recorder.publishEvent, {
      model,
      prompt: "Hi",
    });
    await push({ type: "text-start", id: "t1" });
    await push({ type: "text-delta", id: "t1", delta: "Hel" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    (await controller()).error(reset);
    await expect(done).rejects.toBe(reset);
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", [["user", "Hi"]]],
      ["TextChunkEvent", 0, "Hel"],
      ["FinishPromptEvent", "gpt-4.1", "Hel", null, null, "interrupted: error"],
    ]);
    expectAllPythonShaped(recorder.events);
  });

  it("rethrows an error the provider reports inside the stream once the step has finished", async () => {
    const recorder = new Recorder();
    const overloaded = new Error("overloaded");
    const model = scriptedModel([...text("t1", "Hel"), { type: "error", error: overloaded }, finish("stop", 3, 1)]);
    await expect(
      publishAiSdkStream(streamText({ model, prompt: "Hi", onError: () => {} }), recorder.publishEvent, { model }),
    ).rejects.toBe(overloaded);
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", []],
      ["TextChunkEvent", 0, "Hel"],
      ["FinishPromptEvent", "gpt-4.1", "Hel", 3, 1],
    ]);
  });

  it("rethrows a model call that fails before streaming, publishing nothing", async () => {
    const recorder = new Recorder();
    const refused = new Error("401 invalid key");
    const model = new MockLanguageModelV3({
      doStream: async () => {
        throw refused;
      },
    });
    await expect(
      publishAiSdkStream(streamText({ model, prompt: "Hi", onError: () => {} }), recorder.publishEvent),
    ).rejects.toBe(refused);
    expect(recorder.events).toEqual([]);
  });

  it("refuses a reasoning event type that is a Griptape type, before reading", async () => {
    const recorder = new Recorder();
    const model = scriptedModel([...text("t1", "Hi"), finish("stop")]);
    const error = await publishAiSdkStream(streamText({ model, prompt: "Hi" }), recorder.publishEvent, {
      reasoningEventType: "TextChunkEvent",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("reasoningEventType");
    expect(recorder.events).toEqual([]);
  });

  it("reports a stream that ends inside a step as truncated", async () => {
    const recorder = new Recorder();
    const parts: TextStreamPart<ToolSet>[] = [
      { type: "start-step", request: {}, warnings: [] },
      { type: "text-delta", id: "t", text: "Hi" },
    ];
    const error = await publishAiSdkStream({ fullStream: toStream(parts) }, recorder.publishEvent).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).reason).toBe("truncated");
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "unknown", []],
      ["TextChunkEvent", 0, "Hi"],
      ["FinishPromptEvent", "unknown", "Hi", null, null, "interrupted: error"],
    ]);
  });
});

function toStream<T>(items: readonly T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}
