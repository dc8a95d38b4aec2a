/**
 * An agent-like structure: reports its model call as the Griptape framework does (StartPromptEvent, streamed
 * TextChunkEvents, FinishPromptEvent with token counts), reports a custom event, returns an output.
 * Locally (no GT_CLOUD_* variables) its events print on stderr; under `structure-run-events run` or in
 * Griptape Cloud they go to the Events API.
 * In a clone of the repository:
 *   npm run cli -- run -- node --import tsx examples/hello-structure.ts hi
 * In a project that installed the package (tsx installed beside it):
 *   npx structure-run-events run -- node --import tsx node_modules/structure-run-events/examples/hello-structure.ts hi
 */
import { runStructure, toPromptStack } from "structure-run-events";

await runStructure(async ({ args, publishEvent, signal }) => {
  const question = args.join(" ") || "hello";
  publishEvent({
    type: "StartPromptEvent",
    model: "echo-1",
    // The framework's PromptStack, built from {role, content} pairs.
    prompt_stack: toPromptStack([
      { role: "system", content: "You repeat what you are told." },
      { role: "user", content: question },
    ]),
  });
  const answer = `echo: ${question}`;
  const tokens = answer.match(/.{1,3}/g) ?? [];
  for (const [index, token] of tokens.entries()) {
    signal.throwIfAborted();
    publishEvent({ type: "TextChunkEvent", token, index });
    // A real model streams tokens over time; this keeps the example's rhythm visible.
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  publishEvent({
    type: "FinishPromptEvent",
    model: "echo-1",
    result: answer,
    input_token_count: question.split(/\s+/).length,
    output_token_count: tokens.length,
  });
  // Any other type is a custom event, sent as given (Python readers skip it).
  publishEvent({ type: "ToolCalled", tool: "Echo", ok: true });
  return answer;
});
