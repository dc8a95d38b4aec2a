/**
 * An OpenAI SDK agent run as a structure: a Chat Completions tool loop whose streams are published as the Griptape
 * events a Python agent with OpenAiChatPromptDriver publishes, and whose answer is the run's output.
 *
 * The client's `fetch` replays recorded server-sent-event streams, so this runs offline with no key.
 * In a clone of the repository:
 *   npm run cli -- run -- node --import tsx examples/openai-agent.ts "What is 2+3?"
 * In a project that installed the package (tsx installed beside it):
 *   npx structure-run-events run -- node --import tsx node_modules/structure-run-events/examples/openai-agent.ts "What is 2+3?"
 * Without the `fetch` option (and with OPENAI_API_KEY set) the same code talks to the API.
 */
import OpenAI from "openai";
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { runStructure } from "structure-run-events";
import { publishOpenAIStream, publishToolResults } from "structure-run-events/openai";

const tools: ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "Calculator_add",
      description: "Adds two numbers",
      parameters: {
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
        required: ["a", "b"],
      },
    },
  },
];

await runStructure(async ({ args, publishEvent, signal }) => {
  const openai = new OpenAI({ apiKey: "sk-offline-example", fetch: replayRecordedStreams });
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: "You are terse. Use the calculator for arithmetic." },
    { role: "user", content: args.join(" ") || "What is 2+3?" },
  ];
  for (let turn = 0; turn < 5; turn++) {
    const params: ChatCompletionCreateParamsStreaming = {
      model: "gpt-4.1",
      messages,
      tools,
      stream: true,
      stream_options: { include_usage: true },
    };
    const stream = await openai.chat.completions.create(params, { signal });
    const step = await publishOpenAIStream(stream, publishEvent, { ...params, signal });
    if (step.toolCalls.length === 0) return step.text;

    const results = step.toolCalls.map((call) => {
      const { a, b } = call.input as { a: number; b: number };
      return { toolCallId: call.id, output: String(a + b) };
    });
    publishToolResults(publishEvent, step, results);
    messages.push(
      {
        role: "assistant",
        tool_calls: step.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments },
        })),
      },
      ...results.map(
        (r): ChatCompletionMessageParam => ({ role: "tool", tool_call_id: r.toolCallId, content: r.output }),
      ),
    );
  }
  throw new Error("the model kept calling tools for 5 turns");
});

/**
 * Stands in for the API: answers a request with the tool call (adding the question's first two numbers) or, once
 * the tool's result is in the messages, with the answer; one SSE message every 30 ms, as the API streams them.
 */
async function replayRecordedStreams(_url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = JSON.parse(String(init?.body)) as { messages: ChatCompletionMessageParam[] };
  const toolResult = request.messages.findLast((m) => m.role === "tool");
  const chunk = (delta: object, finishReason: string | null = null, usage: object | null = null) => ({
    id: "chatcmpl-offline",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: "gpt-4.1-2025-04-14",
    choices: usage === null ? [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] : [],
    usage,
  });
  const usage = (prompt: number, completion: number) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  });
  let chunks: object[];
  if (toolResult !== undefined) {
    const words = `The answer is ${String(toolResult.content)}.`.match(/\S+\s*/g) ?? [];
    chunks = [
      chunk({ role: "assistant", content: "" }),
      ...words.map((word) => chunk({ content: word })),
      chunk({}, "stop"),
      chunk({}, null, usage(60, words.length)),
    ];
  } else {
    const question = String(request.messages.findLast((m) => m.role === "user")?.content ?? "");
    const [a = 2, b = 3] = (question.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
    const input = JSON.stringify({ a, b });
    const call = { index: 0, id: "call_1", type: "function", function: { name: "Calculator_add", arguments: "" } };
    chunks = [
      chunk({ role: "assistant", content: null, tool_calls: [call] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: input.slice(0, 6) } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: input.slice(6) } }] }),
      chunk({}, "tool_calls"),
      chunk({}, null, usage(40, 12)),
    ];
  }
  const lines = [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"];
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const line = lines.shift();
      if (line === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(line));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}
