import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { type TokenUsage, tokenCount } from "./publish-event.js";
import type { StepEvents } from "./step-events.js";
import { describe, invalidPart, isObject, requireIndex } from "./stream-parts.js";

const SDK = "OpenAI Chat Completions";

/**
 * Chat Completions chunks → events, as Griptape's OpenAiChatPromptDriver maps them: `choices[0].delta.content` is
 * text at index 0; a `delta.tool_calls[]` entry with an id and a function name is a call's header at the call's own
 * `index` (with the arguments the same chunk carries, `""` as OpenAI sends them), one with only arguments a later
 * delta; usage comes from the chunk that has it
 * (`stream_options.include_usage`). The step finishes when the stream ends.
 */
export class ChatCompletionStream {
  readonly #steps: StepEvents;
  finishReason: string | null = null;
  usage: TokenUsage = { inputTokens: null, outputTokens: null };

  constructor(steps: StepEvents) {
    this.#steps = steps;
  }

  onChunk(chunk: ChatCompletionChunk): void {
    if (!isObject(chunk)) throw invalidPart(SDK, `a chunk must be an object, got ${describe(chunk)}`);
    const steps = this.#steps;
    steps.ensureOpen(typeof chunk.model === "string" ? chunk.model : undefined);
    const usage = chunk.usage;
    if (isObject(usage)) {
      this.usage = { inputTokens: tokenCount(usage.prompt_tokens), outputTokens: tokenCount(usage.completion_tokens) };
    }
    const choices: unknown = chunk.choices;
    if (choices === undefined || choices === null) return;
    if (!Array.isArray(choices)) throw invalidPart(SDK, `choices must be an array, got ${describe(choices)}`);
    // Griptape reads the first choice only (its driver refuses n > 1); so does this.
    const choice: unknown = choices.find((c: unknown) => isObject(c) && c.index === 0) ?? choices[0];
    if (choice === undefined) return;
    if (!isObject(choice)) throw invalidPart(SDK, `a choice must be an object, got ${describe(choice)}`);
    const delta = choice.delta;
    if (isObject(delta)) this.#onDelta(delta as ChatCompletionChunk.Choice.Delta);
    else if (delta !== undefined && delta !== null)
      throw invalidPart(SDK, `delta must be an object, got ${describe(delta)}`);
    if (typeof choice.finish_reason === "string") this.finishReason = choice.finish_reason;
  }

  #onDelta(delta: ChatCompletionChunk.Choice.Delta): void {
    const content: unknown = delta.content;
    if (typeof content === "string") {
      this.#steps.text(content, 0);
    } else if (content !== undefined && content !== null) {
      throw invalidPart(SDK, `delta.content must be a string, got ${describe(content)}`);
    }
    const calls: unknown = delta.tool_calls;
    if (calls === undefined || calls === null) return;
    if (!Array.isArray(calls)) throw invalidPart(SDK, `delta.tool_calls must be an array, got ${describe(calls)}`);
    for (const call of calls as unknown[]) {
      if (!isObject(call)) throw invalidPart(SDK, `a tool call delta must be an object, got ${describe(call)}`);
      const index = requireIndex(call.index, "tool_calls[].index", SDK);
      const fn: unknown = call.function;
      const name = isObject(fn) && typeof fn.name === "string" ? fn.name : undefined;
      const args = isObject(fn) && typeof fn.arguments === "string" ? fn.arguments : undefined;
      const key = `call ${index}`;
      // One event per chunk, as OpenAiChatPromptDriver publishes it: the header chunk carries its arguments too
      // ("" as OpenAI sends it, or the first of them); a later chunk with no arguments is left out.
      if (typeof call.id === "string" && name !== undefined) {
        this.#steps.toolCallStart(key, call.id, name, index, args ?? null);
      } else if (args !== undefined && args !== "") {
        this.#steps.toolCallDelta(key, args, index);
      }
    }
  }

  /** The stream ended: the step finishes, with the usage the last chunk carried. */
  end(): void {
    this.#steps.finish(this.usage);
  }

  get finished(): boolean {
    return this.finishReason !== null;
  }
}
