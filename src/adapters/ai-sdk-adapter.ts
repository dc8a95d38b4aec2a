import type { LanguageModel, TextStreamPart, ToolSet } from "ai";
import { ModelStreamError, StreamAbortedError } from "../errors.js";
import { type AdapterOptions, resolveStepSettings } from "./adapter-options.js";
import { type AiSdkPrompt, aiSdkPromptMessages } from "./ai-sdk-prompt.js";
import { type PublishEvent, type StreamSummary, tokenCount } from "./publish-event.js";
import { readStream } from "./read-stream.js";
import { StepEvents } from "./step-events.js";
import { invalidPart, isObject, requireString, typedPartError } from "./stream-parts.js";

/**
 * Options of `publishAiSdkStream`. The prompt fields and `model` are those of your `streamText` call: pass the
 * same object (`{...call, signal}`) and the StartPromptEvents carry the model id and the prompt stack.
 */
export interface AiSdkStreamOptions extends AdapterOptions, AiSdkPrompt {
  /**
   * The model given to `streamText` (its `modelId` is used) or a model id. Default: the `model` of the provider's
   * request body, else the id the provider reports when the step finishes.
   */
  model?: LanguageModel | undefined;
}

/** What `publishAiSdkStream` reads: a `streamText` result, or anything with its `fullStream`. */
export interface AiSdkStreamSource<TOOLS extends ToolSet> {
  readonly fullStream: AsyncIterable<TextStreamPart<TOOLS>> | ReadableStream<TextStreamPart<TOOLS>>;
}

type Part = TextStreamPart<ToolSet>;

/**
 * Reads a `streamText` result's `fullStream` to its end and publishes the events the Griptape Python framework
 * publishes for the same steps (see docs/adapters.md); resolves with the last step's text and the token counts.
 *
 * ```ts
 * const { text } = await publishAiSdkStream(streamText(call), publishEvent, { ...call, signal });
 * ```
 *
 * Rejects, after publishing everything read: with the SDK's own error when the stream reports one, with
 * `StreamAbortedError` when `signal` or the SDK aborts it, with `ModelStreamError` for parts the SDK's types do
 * not allow or a step the stream left unfinished. The `fullStream` getter tees, so `result.text` and the other
 * promises of the result still work.
 */
export async function publishAiSdkStream<TOOLS extends ToolSet>(
  result: AiSdkStreamSource<TOOLS>,
  publishEvent: PublishEvent,
  options: AiSdkStreamOptions = {},
): Promise<StreamSummary> {
  const settings = resolveStepSettings(options, modelIdOf(options.model));
  const steps = new StepEvents(publishEvent, settings, aiSdkPromptMessages(options));
  const outcome: StreamOutcome = { error: undefined, abort: undefined, finished: false };
  const source = result.fullStream as AsyncIterable<Part> | ReadableStream<Part>;
  try {
    await readStream(source, options.signal, (part) => {
      try {
        onPart(steps, outcome, part);
      } catch (error) {
        throw typedPartError(error, SDK);
      }
    });
  } catch (error) {
    steps.interruptQuietly(error instanceof StreamAbortedError ? "abort" : "error");
    throw error;
  }
  if (outcome.abort !== undefined) {
    steps.interruptQuietly("abort");
    throw new StreamAbortedError("the AI SDK aborted the stream; the events read before the abort were published", {
      cause: outcome.abort.reason,
    });
  }
  if (outcome.error !== undefined) {
    steps.interruptQuietly("error");
    throw outcome.error.value;
  }
  if (!outcome.finished || steps.isOpen) {
    steps.interruptQuietly("error");
    throw new ModelStreamError("truncated", "the AI SDK stream ended before its finish part: the model did not finish");
  }
  return steps.summary();
}

/** What the stream said about its own end, acted on once it is read to the end. */
interface StreamOutcome {
  /** The first `error` part: the AI SDK reports a failed model call in the stream, and may still finish the step. */
  error: { value: unknown } | undefined;
  abort: { reason: string | undefined } | undefined;
  /** The `finish` part came: the SDK ended the stream itself. */
  finished: boolean;
}

const SDK = "AI SDK";

function onPart(steps: StepEvents, outcome: StreamOutcome, part: Part): void {
  if (!isObject(part)) throw invalidPart(SDK, `a part must be an object, got ${typeof part}`);
  switch (part.type) {
    case "start-step":
      steps.start(requestedModel(part.request));
      return;
    case "text-delta": {
      const id = text(part.id, "text-delta id");
      steps.ensureOpen();
      steps.text(text(part.text, "text-delta text"), steps.contentIndex(id));
      return;
    }
    case "reasoning-delta": {
      const id = text(part.id, "reasoning-delta id");
      steps.ensureOpen();
      steps.reasoning(text(part.text, "reasoning-delta text"), steps.reasoningIndex(id));
      return;
    }
    case "tool-input-start": {
      const id = text(part.id, "tool-input-start id");
      steps.ensureOpen();
      steps.toolCallStart(id, id, text(part.toolName, "tool-input-start toolName"), steps.contentIndex(id));
      return;
    }
    case "tool-input-delta": {
      const id = text(part.id, "tool-input-delta id");
      steps.ensureOpen();
      steps.toolCallDelta(id, text(part.delta, "tool-input-delta delta"), steps.contentIndex(id));
      return;
    }
    case "tool-call": {
      const id = text(part.toolCallId, "tool-call toolCallId");
      steps.ensureOpen();
      steps.toolCallComplete(id, id, text(part.toolName, "tool-call toolName"), part.input, steps.contentIndex(id));
      return;
    }
    case "tool-result":
      // A preliminary result is a progress report of a streaming tool; the final one follows.
      if (part.preliminary === true) return;
      steps.ensureOpen();
      steps.toolOutcome({
        tag: text(part.toolCallId, "tool-result toolCallId"),
        toolName: text(part.toolName, "tool-result toolName"),
        input: part.input,
        output: part.output,
        isError: false,
      });
      return;
    case "tool-error":
      steps.ensureOpen();
      steps.toolOutcome({
        tag: text(part.toolCallId, "tool-error toolCallId"),
        toolName: text(part.toolName, "tool-error toolName"),
        input: part.input,
        output: part.error,
        isError: true,
      });
      return;
    case "tool-output-denied": {
      const id = text(part.toolCallId, "tool-output-denied toolCallId");
      steps.ensureOpen();
      steps.toolOutcome({
        tag: id,
        toolName: text(part.toolName, "tool-output-denied toolName"),
        input: steps.toolCall(id)?.input,
        output: "the tool's execution was denied",
        isError: true,
      });
      return;
    }
    case "finish-step": {
      const usage = typeof part.usage === "object" && part.usage !== null ? part.usage : undefined;
      const modelId = part.response?.modelId;
      steps.finish(
        { inputTokens: tokenCount(usage?.inputTokens), outputTokens: tokenCount(usage?.outputTokens) },
        typeof modelId === "string" ? modelId : undefined,
      );
      return;
    }
    case "finish":
      outcome.finished = true;
      return;
    case "abort":
      outcome.abort ??= { reason: typeof part.reason === "string" ? part.reason : undefined };
      return;
    case "error":
      outcome.error ??= { value: part.error };
      return;
    default:
      // text-start/end, reasoning-start/end, tool-input-end, sources, files, start, raw, approvals: no
      // Griptape event carries them, and a part type added by a later SDK version is not an error.
      return;
  }
}

/** The model named in the provider request body (OpenAI, Anthropic and most others send `model`), if any. */
function requestedModel(request: unknown): string | undefined {
  if (!isObject(request)) return undefined;
  const body = request.body;
  return isObject(body) && typeof body.model === "string" ? body.model : undefined;
}

function modelIdOf(model: LanguageModel | undefined): string | undefined {
  if (model === undefined) return undefined;
  return typeof model === "string" ? model : model.modelId;
}

function text(value: unknown, what: string): string {
  return requireString(value, what, SDK);
}
