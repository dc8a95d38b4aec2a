/**
 * A Vercel AI SDK agent run as a structure: `streamText` with a tool, its stream published as the Griptape events a
 * Python agent publishes (StartPromptEvent, TextChunkEvent, ActionChunkEvent, FinishPromptEvent, the ActionsSubtask
 * events), and the answer returned as the run's output.
 *
 * The model is the AI SDK's own mock (`ai/test`) following a script, so this runs offline with no key.
 * In a clone of the repository:
 *   npm run cli -- run -- node --import tsx examples/ai-sdk-agent.ts "What is 2+3?"
 * In a project that installed the package (tsx installed beside it):
 *   npx structure-run-events run -- node --import tsx node_modules/structure-run-events/examples/ai-sdk-agent.ts "What is 2+3?"
 * With a provider package (e.g. `openai("gpt-4.1")` from @ai-sdk/openai) as `model`, nothing else changes.
 */
import { jsonSchema, simulateReadableStream, stepCountIs, streamText, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { runStructure } from "structure-run-events";
import { publishAiSdkStream } from "structure-run-events/ai-sdk";

await runStructure(async ({ args, publishEvent, signal }) => {
  const call = {
    model: scriptedModel(),
    system: "You are terse. Use the calculator for arithmetic.",
    prompt: args.join(" ") || "What is 2+3?",
    tools: {
      Calculator_add: tool({
        description: "Adds two numbers",
        inputSchema: jsonSchema<{ a: number; b: number }>({
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" } },
          required: ["a", "b"],
        }),
        execute: async ({ a, b }) => String(a + b),
      }),
    },
    stopWhen: stepCountIs(3),
    abortSignal: signal,
  };
  const { text } = await publishAiSdkStream(streamText(call), publishEvent, { ...call, signal });
  return text;
});

type StreamResult = Awaited<ReturnType<MockLanguageModelV3["doStream"]>>;
type ModelPart = StreamResult["stream"] extends ReadableStream<infer P> ? P : never;

/**
 * A model that adds the first two numbers of the question with the tool, then answers with the tool's result,
 * streaming a token every 30 ms like a real one.
 */
function scriptedModel(): MockLanguageModelV3 {
  const usage = (input: number, output: number) => ({
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  });
  const words = (id: string, text: string): ModelPart[] => [
    { type: "text-start", id },
    ...(text.match(/\S+\s*/g) ?? []).map((delta): ModelPart => ({ type: "text-delta", id, delta })),
    { type: "text-end", id },
  ];
  return new MockLanguageModelV3({
    modelId: "scripted-calculator-1",
    doStream: async ({ prompt }) => {
      const last = prompt.at(-1);
      let chunks: ModelPart[];
      if (last?.role === "tool") {
        const output = last.content.find((part) => part.type === "tool-result")?.output;
        const result =
          output?.type === "text" ? output.value : JSON.stringify(output?.type === "json" ? output.value : "?");
        chunks = [...words("answer", `The answer is ${result}.`), finish("stop", usage(60, 6))];
      } else {
        const question = prompt
          .filter((m) => m.role === "user")
          .flatMap((m) => m.content)
          .map((part) => (part.type === "text" ? part.text : ""))
          .join(" ");
        const [a = 2, b = 3] = (question.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
        const input = JSON.stringify({ a, b });
        chunks = [
          ...words("thought", "Let me add those."),
          { type: "tool-input-start", id: "call_1", toolName: "Calculator_add" },
          { type: "tool-input-delta", id: "call_1", delta: input.slice(0, 6) },
          { type: "tool-input-delta", id: "call_1", delta: input.slice(6) },
          { type: "tool-input-end", id: "call_1" },
          { type: "tool-call", toolCallId: "call_1", toolName: "Calculator_add", input },
          finish("tool-calls", usage(40, 12)),
        ];
      }
      return { stream: simulateReadableStream({ chunks, initialDelayInMs: 30, chunkDelayInMs: 30 }) };
    },
  });
}

function finish(reason: "stop" | "tool-calls", usage: Extract<ModelPart, { type: "finish" }>["usage"]): ModelPart {
  return { type: "finish", finishReason: { unified: reason, raw: reason }, usage };
}
