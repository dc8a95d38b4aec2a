import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { type TokenUsage, tokenCount } from "./publish-event.js";
import type { StepEvents } from "./step-events.js";
import { describe, invalidPart, isObject, requireIndex, requireString } from "./stream-parts.js";
import { parseToolArguments } from "./tool-action.js";

const SDK = "OpenAI Responses";

/**
 * Responses API events → events, mapped as the Chat Completions stream is: `response.output_text.delta` is text,
 * `response.output_item.added` of a `function_call` is a call's header and `response.function_call_arguments.delta`
 * its later deltas (joined by `item_id`), each at the item's `output_index`; `response.completed` (or
 * `response.incomplete`) finishes the step with its usage; `response.failed` and `error` are the model failing.
 */
export class ResponsesStream {
  readonly #steps: StepEvents;
  finishReason: string | null = null;
  /** The model's own failure, reported inside the stream. */
  failure: string | undefined;

  constructor(steps: StepEvents) {
    this.#steps = steps;
  }

  onEvent(event: ResponseStreamEvent): void {
    if (!isObject(event)) throw invalidPart(SDK, `an event must be an object, got ${describe(event)}`);
    const steps = this.#steps;
    switch (event.type) {
      case "response.created":
      case "response.queued":
      case "response.in_progress":
        steps.ensureOpen(modelOf(event.response));
        return;
      case "response.output_text.delta": {
        const index = requireIndex(event.output_index, "output_index", SDK);
        const delta = requireString(event.delta, "delta", SDK);
        steps.ensureOpen();
        steps.text(delta, index);
        return;
      }
      case "response.reasoning_text.delta":
      case "response.reasoning_summary_text.delta": {
        const index = requireIndex(event.output_index, "output_index", SDK);
        const delta = requireString(event.delta, "delta", SDK);
        steps.ensureOpen();
        steps.reasoning(delta, index);
        return;
      }
      case "response.output_item.added": {
        const item: unknown = event.item;
        if (!isObject(item) || item.type !== "function_call") return;
        const index = requireIndex(event.output_index, "output_index", SDK);
        const key = this.#itemKey(item.id, index);
        steps.ensureOpen();
        steps.toolCallStart(
          key,
          requireString(item.call_id, "item.call_id", SDK),
          requireString(item.name, "item.name", SDK),
          index,
        );
        if (typeof item.arguments === "string" && item.arguments !== "")
          steps.toolCallDelta(key, item.arguments, index);
        return;
      }
      case "response.function_call_arguments.delta": {
        const index = requireIndex(event.output_index, "output_index", SDK);
        const delta = requireString(event.delta, "delta", SDK);
        steps.ensureOpen();
        if (delta !== "") steps.toolCallDelta(this.#deltaKey(event.item_id, index), delta, index);
        return;
      }
      case "response.output_item.done": {
        const item: unknown = event.item;
        if (!isObject(item) || item.type !== "function_call") return;
        const index = requireIndex(event.output_index, "output_index", SDK);
        const args = requireString(item.arguments, "item.arguments", SDK);
        steps.ensureOpen();
        steps.toolCallComplete(
          this.#deltaKey(item.id, index),
          requireString(item.call_id, "item.call_id", SDK),
          requireString(item.name, "item.name", SDK),
          parseToolArguments(args),
          index,
          args,
        );
        return;
      }
      case "response.completed":
      case "response.incomplete": {
        const response: unknown = event.response;
        const usage = isObject(response) && isObject(response.usage) ? response.usage : undefined;
        const counts: TokenUsage = {
          inputTokens: tokenCount(usage?.input_tokens),
          outputTokens: tokenCount(usage?.output_tokens),
        };
        this.finishReason = event.type === "response.completed" ? "completed" : "incomplete";
        steps.ensureOpen(modelOf(response));
        steps.finish(counts, modelOf(response));
        return;
      }
      case "response.failed": {
        const response: unknown = event.response;
        const error = isObject(response) && isObject(response.error) ? response.error : undefined;
        this.failure ??= typeof error?.message === "string" ? error.message : "the response failed";
        return;
      }
      case "error":
        this.failure ??= typeof event.message === "string" ? event.message : "the model stream reported an error";
        return;
      default:
        // Built-in tools (web search, file search…), content parts, annotations: no Griptape event carries them.
        return;
    }
  }

  get finished(): boolean {
    return this.finishReason !== null;
  }

  /** A function call is keyed by its item id; an item without one (the type allows it) by its output index. */
  #itemKey(id: unknown, index: number): string {
    return typeof id === "string" ? `item ${id}` : `output ${index}`;
  }

  /** The key of the call a later event names: its item id when that call is known, else its output index. */
  #deltaKey(itemId: unknown, index: number): string {
    const byId = typeof itemId === "string" ? `item ${itemId}` : undefined;
    if (byId !== undefined && this.#steps.toolCall(byId) !== undefined) return byId;
    const byIndex = `output ${index}`;
    if (this.#steps.toolCall(byIndex) !== undefined) return byIndex;
    return byId ?? byIndex;
  }
}

function modelOf(response: unknown): string | undefined {
  return isObject(response) && typeof response.model === "string" ? response.model : undefined;
}
