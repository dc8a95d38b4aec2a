import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { ResponseInput } from "openai/resources/responses/responses";
import { afterEach, describe, expect, it } from "vitest";
import { EventListener } from "../../src/index.js";
import { ModelStreamError, publishOpenAIStream, publishToolResults, StreamAbortedError } from "../../src/openai.js";
import { brief, expectAllPythonShaped, Recorder } from "./adapter-harness.js";
import { chatDeltaSse, HandBody, recording, replayClient } from "./openai-replay.js";

const SYSTEM = { role: "system", content: "You are terse." } as const;
const USER = { role: "user", content: "What is 2+3?" } as const;
const ADD = { tag: "call_1", name: "Calculator", path: "add", input: { values: { a: 2, b: 3 } } };
const CLOCK = { tag: "call_2", name: "Clock", input: { values: {} } };

function abortOnFirstText(recorder: Recorder, abort: AbortController): void {
  recorder.bus.addEventListener(
    new EventListener({
      eventTypes: ["TextChunkEvent"],
      onEvent: (event) => {
        abort.abort(new Error("SIGTERM"));
        return event;
      },
    }),
  );
}

describe("publishOpenAIStream: Chat Completions", () => {
  it("maps a text stream as Griptape's OpenAiChatPromptDriver does, with the usage of the last chunk", async () => {
    const { client, requests } = replayClient(recording("chat-text.sse"));
    const recorder = new Recorder();
    const params: ChatCompletionCreateParamsStreaming = {
      model: "gpt-4.1",
      messages: [SYSTEM, USER],
      stream: true,
      stream_options: { include_usage: true },
    };
    const step = await publishOpenAIStream(await client.chat.completions.create(params), recorder.publishEvent, params);

    expect(requests).toHaveLength(1);
    expect(step).toEqual({
      text: "Hello",
      usage: { inputTokens: 9, outputTokens: 2 },
      finishReason: "stop",
      toolCalls: [],
    });
    expect(recorder.events.map(brief)).toEqual([
      [
        "StartPromptEvent",
        "gpt-4.1",
        [
          ["system", "You are terse."],
          ["user", "What is 2+3?"],
        ],
      ],
      ["TextChunkEvent", 0, "Hel"],
      ["TextChunkEvent", 0, "lo"],
      ["FinishPromptEvent", "gpt-4.1", "Hello", 9, 2],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(4);
  });

  it("maps parallel tool calls at their own indexes, then the tool results and the next request", async () => {
    const { client } = replayClient(recording("chat-tool-calls.sse"), recording("chat-text.sse"));
    const recorder = new Recorder();
    const messages: ChatCompletionMessageParam[] = [SYSTEM, USER];
    const first = { model: "gpt-4.1", messages, stream: true, stream_options: { include_usage: true } } as const;
    const step = await publishOpenAIStream(await client.chat.completions.create(first), recorder.publishEvent, first);

    expect(step.finishReason).toBe("tool_calls");
    expect(step.toolCalls).toEqual([
      { id: "call_1", name: "Calculator_add", arguments: '{"a": 2, "b": 3}', input: { a: 2, b: 3 } },
      { id: "call_2", name: "Clock", arguments: "{}", input: {} },
    ]);
    publishToolResults(recorder.publishEvent, step, [
      { toolCallId: "call_1", output: "5" },
      { toolCallId: "call_2", error: new Error("the clock is broken") },
    ]);

    const next = {
      ...first,
      messages: [
        ...messages,
        {
          role: "assistant",
          tool_calls: step.toolCalls.map((c) => ({
            id: c.id,
            type: "function",
            function: { name: c.name, arguments: c.arguments },
          })),
        },
        { role: "tool", tool_call_id: "call_1", content: "5" },
        { role: "tool", tool_call_id: "call_2", content: "the clock is broken" },
      ] satisfies ChatCompletionMessageParam[],
    };
    await publishOpenAIStream(await client.chat.completions.create(next), recorder.publishEvent, next);

    expect(recorder.events.map(brief)).toEqual([
      [
        "StartPromptEvent",
        "gpt-4.1",
        [
          ["system", "You are terse."],
          ["user", "What is 2+3?"],
        ],
      ],
      // The header chunk's arguments ("" as OpenAI sends them) ride on its event, as OpenAiChatPromptDriver's do.
      ["ActionChunkEvent", 0, "call_1", "Calculator", "add", ""],
      ["ActionChunkEvent", 0, null, null, null, '{"a": 2'],
      ["ActionChunkEvent", 0, null, null, null, ', "b": 3}'],
      ["ActionChunkEvent", 1, "call_2", "Clock", null, ""],
      ["ActionChunkEvent", 1, null, null, null, "{}"],
      ["FinishPromptEvent", "gpt-4.1", "", 12, 30],
      ["StartActionsSubtaskEvent", null, [ADD, CLOCK], null],
      [
        "FinishActionsSubtaskEvent",
        null,
        [ADD, CLOCK],
        [
          ["call_1 output", "TextArtifact", "5"],
          ["call_2 output", "ErrorArtifact", "the clock is broken"],
        ],
      ],
      [
        "StartPromptEvent",
        "gpt-4.1",
        [
          ["system", "You are terse."],
          ["user", "What is 2+3?"],
          ["assistant", JSON.stringify(ADD), JSON.stringify(CLOCK)],
          ["user", "5", "the clock is broken"],
        ],
      ],
      ["TextChunkEvent", 0, "Hel"],
      ["TextChunkEvent", 0, "lo"],
      ["FinishPromptEvent", "gpt-4.1", "Hello", 9, 2],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(13);
  });

  it("refuses a tool result for a call the step did not make, publishing nothing", async () => {
    const { client } = replayClient(recording("chat-tool-calls.sse"));
    const recorder = new Recorder();
    const step = await publishOpenAIStream(
      await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true }),
      recorder.publishEvent,
    );
    const before = recorder.events.length;
    const error = (() => {
      try {
        publishToolResults(recorder.publishEvent, step, [
          { toolCallId: "call_1", output: "5" },
          { toolCallId: "call_9", output: "?" },
        ]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).reason).toBe("unknown_tool_call");
    expect(recorder.events).toHaveLength(before);
  });

  it("a header chunk that already carries arguments is one event, as Python publishes it, and the input is whole", async () => {
    const header = {
      index: 0,
      id: "call_9",
      type: "function",
      function: { name: "Calculator_add", arguments: '{"a":2' },
    };
    const body =
      chatDeltaSse({ role: "assistant", tool_calls: [header] }) +
      chatDeltaSse({ tool_calls: [{ index: 0, function: { arguments: "" } }] }) +
      chatDeltaSse({ tool_calls: [{ index: 0, function: { arguments: ',"b":3}' } }] }) +
      chatDeltaSse({}, "tool_calls") +
      "data: [DONE]\n\n";
    const { client } = replayClient(body);
    const recorder = new Recorder();
    const step = await publishOpenAIStream(
      await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true }),
      recorder.publishEvent,
    );
    expect(recorder.events.map(brief).filter((e) => e[0] === "ActionChunkEvent")).toEqual([
      ["ActionChunkEvent", 0, "call_9", "Calculator", "add", '{"a":2'],
      ["ActionChunkEvent", 0, null, null, null, ',"b":3}'],
    ]);
    expect(step.toolCalls).toMatchObject([{ id: "call_9", name: "Calculator_add", input: { a: 2, b: 3 } }]);
    expectAllPythonShaped(recorder.events);
  });

  it("takes the model from the stream when none is given, and null counts without include_usage", async () => {
    const body = `${chatDeltaSse({ role: "assistant", content: "Hi" })}${chatDeltaSse({}, "stop")}data: [DONE]\n\n`;
    const { client } = replayClient(body);
    const recorder = new Recorder();
    const step = await publishOpenAIStream(
      await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true }),
      recorder.publishEvent,
    );
    expect(step.usage).toEqual({ inputTokens: null, outputTokens: null });
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1-2025-04-14", []],
      ["TextChunkEvent", 0, "Hi"],
      ["FinishPromptEvent", "gpt-4.1-2025-04-14", "Hi", null, null],
    ]);
    expectAllPythonShaped(recorder.events);
  });
});

describe("publishOpenAIStream: Responses API", () => {
  it("maps a text response, with the instructions as the system message", async () => {
    const { client } = replayClient(recording("responses-text.sse"));
    const recorder = new Recorder();
    const params = { model: "gpt-4.1", instructions: "You are terse.", input: "What is 2+3?", stream: true } as const;
    const step = await publishOpenAIStream(await client.responses.create(params), recorder.publishEvent, params);
    expect(step).toEqual({
      text: "Hello",
      usage: { inputTokens: 9, outputTokens: 2 },
      finishReason: "completed",
      toolCalls: [],
    });
    expect(recorder.events.map(brief)).toEqual([
      [
        "StartPromptEvent",
        "gpt-4.1",
        [
          ["system", "You are terse."],
          ["user", "What is 2+3?"],
        ],
      ],
      ["TextChunkEvent", 0, "Hel"],
      ["TextChunkEvent", 0, "lo"],
      ["FinishPromptEvent", "gpt-4.1", "Hello", 9, 2],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(4);
  });

  it("joins a function call's deltas by item id at its output index, and publishes reasoning only when asked", async () => {
    const { client } = replayClient(
      recording("responses-tool-call.sse"),
      recording("responses-tool-call.sse"),
      recording("responses-text.sse"),
    );
    const plain = new Recorder();
    const params = { model: "gpt-4.1", input: "What is 2+3?", stream: true } as const;
    await publishOpenAIStream(await client.responses.create(params), plain.publishEvent, params);
    expect(plain.events.map((e) => e.type)).not.toContain("ReasoningChunkEvent");

    const recorder = new Recorder();
    const step = await publishOpenAIStream(await client.responses.create(params), recorder.publishEvent, {
      ...params,
      reasoningEventType: "ReasoningChunkEvent",
    });
    expect(step.toolCalls).toEqual([
      { id: "call_1", name: "Calculator_add", arguments: '{"a":2,"b":3}', input: { a: 2, b: 3 } },
    ]);
    publishToolResults(recorder.publishEvent, step, [{ toolCallId: "call_1", output: 5 }]);
    const input: ResponseInput = [
      { role: "user", content: "What is 2+3?" },
      { type: "function_call", call_id: "call_1", name: "Calculator_add", arguments: '{"a":2,"b":3}' },
      { type: "function_call_output", call_id: "call_1", output: "5" },
    ];
    const next = { model: "gpt-4.1", input, stream: true } as const;
    await publishOpenAIStream(await client.responses.create(next), recorder.publishEvent, next);

    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", [["user", "What is 2+3?"]]],
      ["ReasoningChunkEvent", 0, "Adding "],
      ["ReasoningChunkEvent", 0, "two numbers."],
      ["ActionChunkEvent", 1, "call_1", "Calculator", "add", null],
      ["ActionChunkEvent", 1, null, null, null, '{"a":2,'],
      ["ActionChunkEvent", 1, null, null, null, '"b":3}'],
      ["FinishPromptEvent", "gpt-4.1", "", 40, 25],
      ["StartActionsSubtaskEvent", null, [ADD], null],
      ["FinishActionsSubtaskEvent", null, [ADD], [["call_1 output", "JsonArtifact", 5]]],
      [
        "StartPromptEvent",
        "gpt-4.1",
        [
          ["user", "What is 2+3?"],
          ["assistant", JSON.stringify(ADD)],
          ["user", "5"],
        ],
      ],
      ["TextChunkEvent", 0, "Hel"],
      ["TextChunkEvent", 0, "lo"],
      ["FinishPromptEvent", "gpt-4.1", "Hello", 9, 2],
    ]);
    expect(expectAllPythonShaped(recorder.events)).toBe(11);
  });

  it("rejects with the model's failure after publishing what it had (response.failed)", async () => {
    const { client } = replayClient(recording("responses-failed.sse"));
    const recorder = new Recorder();
    const error = await publishOpenAIStream(
      await client.responses.create({ model: "gpt-4.1", input: "Hi", stream: true }),
      recorder.publishEvent,
      { model: "gpt-4.1" },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).reason).toBe("model_error");
    expect((error as Error).message).toContain("The server had an error while processing your request.");
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", []],
      ["TextChunkEvent", 0, "Hel"],
      ["FinishPromptEvent", "gpt-4.1", "Hel", null, null, "interrupted: error"],
    ]);
    expectAllPythonShaped(recorder.events);
  });

  it("rejects with the model's failure on an error event", async () => {
    const created = recording("responses-text.sse").split("\n\n")[0];
    const body = `${created}\n\nevent: error\ndata: ${JSON.stringify({
      type: "error",
      code: "rate_limit_exceeded",
      message: "Rate limit reached",
      param: null,
      sequence_number: 1,
    })}\n\n`;
    const { client } = replayClient(body);
    const recorder = new Recorder();
    const error = await publishOpenAIStream(
      await client.responses.create({ model: "gpt-4.1", input: "Hi", stream: true }),
      recorder.publishEvent,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).message).toContain("Rate limit reached");
    expect(recorder.events.map((e) => [e.type, (e.meta as { interrupted?: string }).interrupted])).toEqual([
      ["StartPromptEvent", undefined],
      ["FinishPromptEvent", "error"],
    ]);
  });
});

describe("publishOpenAIStream: failures mid-stream", () => {
  it("rethrows the SDK's own error for a body that fails mid-way, after publishing what it had", async () => {
    const reset = new Error("socket reset");
    const sdkError = async (): Promise<unknown> => {
      const body = new HandBody();
      const { client } = replayClient(body);
      const stream = await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true });
      body.send(chatDeltaSse({ role: "assistant", content: "Hel" }));
      setTimeout(() => body.fail(reset), 10);
      try {
        for await (const _chunk of stream) {
          // read on until the body fails
        }
      } catch (error) {
        return error;
      }
    };
    const expected = await sdkError();

    const body = new HandBody();
    const { client } = replayClient(body);
    const recorder = new Recorder();
    const done = publishOpenAIStream(
      await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true }),
      recorder.publishEvent,
      { model: "gpt-4.1" },
    );
    body.send(chatDeltaSse({ role: "assistant", content: "Hel" }));
    setTimeout(() => body.fail(reset), 10);
    const error = await done.catch((e: unknown) => e);
    // What the SDK throws for a failing body, as the SDK throws it: the adapter adds nothing and hides nothing.
    expect(error).toBeInstanceOf((expected as object).constructor);
    expect((error as Error).message).toBe((expected as Error).message);
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", []],
      ["TextChunkEvent", 0, "Hel"],
      ["FinishPromptEvent", "gpt-4.1", "Hel", null, null, "interrupted: error"],
    ]);
  });

  it("reports a stream that ends before the model finished as truncated", async () => {
    const { client } = replayClient(chatDeltaSse({ role: "assistant", content: "Hel" }));
    const recorder = new Recorder();
    const error = await publishOpenAIStream(
      await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true }),
      recorder.publishEvent,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).reason).toBe("truncated");
    expect(recorder.events.map(brief).at(-1)).toEqual([
      "FinishPromptEvent",
      "gpt-4.1-2025-04-14",
      "Hel",
      null,
      null,
      "interrupted: error",
    ]);
  });

  it("with a signal already aborted, reads nothing and publishes nothing", async () => {
    const { client } = replayClient(recording("chat-text.sse"));
    const recorder = new Recorder();
    const stream = await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true });
    await expect(
      publishOpenAIStream(stream, recorder.publishEvent, { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(StreamAbortedError);
    expect(recorder.events).toEqual([]);
  });
});

describe("publishOpenAIStream: abort against a real HTTP server on 127.0.0.1", () => {
  let server: ReturnType<typeof createServer> | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    server = undefined;
  });

  async function stallingServer(): Promise<{ baseURL: string; closed: Promise<void> }> {
    let onClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      onClosed = resolve;
    });
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chatDeltaSse({ role: "assistant", content: "Hel" }));
      // Then nothing more: a model that hangs. The adapter must still stop, and close the connection.
      res.on("close", onClosed);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    return { baseURL: `http://127.0.0.1:${port}/v1`, closed };
  }

  it("stops on the signal while the server is silent, and the HTTP request is closed", async () => {
    const { baseURL, closed } = await stallingServer();
    const client = new OpenAI({ apiKey: "sk-test-local-0000", baseURL, maxRetries: 0 });
    const recorder = new Recorder();
    const abort = new AbortController();
    abortOnFirstText(recorder, abort);
    const stream = await client.chat.completions.create({ model: "gpt-4.1", messages: [USER], stream: true });
    const error = await publishOpenAIStream(stream, recorder.publishEvent, {
      model: "gpt-4.1",
      signal: abort.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamAbortedError);
    expect((error as StreamAbortedError).cause).toEqual(new Error("SIGTERM"));
    await closed;
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "gpt-4.1", []],
      ["TextChunkEvent", 0, "Hel"],
      ["FinishPromptEvent", "gpt-4.1", "Hel", null, null, "interrupted: abort"],
    ]);
  });

  it("reports a request aborted through the SDK as aborted, not as a finished answer", async () => {
    const { baseURL, closed } = await stallingServer();
    const client = new OpenAI({ apiKey: "sk-test-local-0000", baseURL, maxRetries: 0 });
    const recorder = new Recorder();
    const abort = new AbortController();
    abortOnFirstText(recorder, abort);
    const stream = await client.chat.completions.create(
      { model: "gpt-4.1", messages: [USER], stream: true },
      { signal: abort.signal },
    );
    // The SDK ends its stream quietly when its request is aborted; the adapter's signal says why it ended.
    await expect(publishOpenAIStream(stream, recorder.publishEvent, { signal: abort.signal })).rejects.toBeInstanceOf(
      StreamAbortedError,
    );
    await closed;
  });
});

describe("publishOpenAIStream: hostile streams", () => {
  async function* items(...values: unknown[]): AsyncGenerator<ChatCompletionChunk> {
    for (const value of values) yield value as ChatCompletionChunk;
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    ({
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    }) as unknown;

  it("publishes a delta for a tool call index the stream never announced, as Python does", async () => {
    const recorder = new Recorder();
    const step = await publishOpenAIStream(
      items(chunk({ tool_calls: [{ index: 3, function: { arguments: '{"x":1}' } }] }), chunk({}, "tool_calls")),
      recorder.publishEvent,
    );
    expect(recorder.events.map(brief)).toEqual([
      ["StartPromptEvent", "m", []],
      ["ActionChunkEvent", 3, null, null, null, '{"x":1}'],
      ["FinishPromptEvent", "m", "", null, null],
    ]);
    // A call with no id cannot be answered: it is no tool call of the step.
    expect(step.toolCalls).toEqual([]);
  });

  it.each([
    ["a chunk that is not an object", [42]],
    ["content that is not a string", [chunk({ content: "ok" }), chunk({ content: 7 })]],
    ["choices that are not an array", [chunk({ content: "ok" }), { object: "chat.completion.chunk", choices: {} }]],
    [
      "a tool call without an index",
      [chunk({ content: "ok" }), chunk({ tool_calls: [{ id: "c", function: { name: "f" } }] })],
    ],
    ["a Responses event in a chat stream", [chunk({ content: "ok" }), { type: "response.output_text.delta" }]],
    [
      "a part whose field throws when read",
      [
        chunk({ content: "ok" }),
        Object.defineProperty({ object: "chat.completion.chunk" }, "choices", {
          enumerable: true,
          get() {
            throw new Error("hostile getter");
          },
        }),
      ],
    ],
  ])("refuses %s with ModelStreamError, keeping what was published", async (_what, values) => {
    const recorder = new Recorder();
    const error = await publishOpenAIStream(items(...values), recorder.publishEvent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).reason).toBe("invalid_part");
    const texts = recorder.events.filter((e) => e.type === "TextChunkEvent").map((e) => e.token);
    expect(texts).toEqual(values.length > 1 ? ["ok"] : []);
    expectAllPythonShaped(recorder.events);
  });
});
