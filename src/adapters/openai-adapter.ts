import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { ModelStreamError, StreamAbortedError } from "../errors.js";
import { publishActionsSubtask, type ToolOutcome } from "./actions-subtask.js";
import { type AdapterOptions, resolveStepSettings } from "./adapter-options.js";
import { ChatCompletionStream } from "./openai-chat-stream.js";
import { type OpenAIPrompt, openAIPromptMessages } from "./openai-prompt.js";
import { ResponsesStream } from "./openai-responses-stream.js";
import type { PublishEvent, StreamSummary } from "./publish-event.js";
import { readStream } from "./read-stream.js";
import { StepEvents } from "./step-events.js";
import { describe, invalidPart, isObject, typedPartError } from "./stream-parts.js";
import { parseToolArguments } from "./tool-action.js";

/**
 * Options of `publishOpenAIStream`. The prompt fields and `model` are those of your request: pass the same params
 * (`{...params, signal}`) and the StartPromptEvent carries the model and the prompt stack.
 */
export interface OpenAIStreamOptions extends AdapterOptions, OpenAIPrompt {
  /** The model you asked for, as Griptape's driver reports its configured model. Default: the one the stream names. */
  model?: string | undefined;
}

/** What `publishOpenAIStream` reads: `create({..., stream: true})` of either API, or the `.stream()` helpers. */
export type OpenAIStreamSource = AsyncIterable<ChatCompletionChunk> | AsyncIterable<ResponseStreamEvent>;

/** A tool call the model made: what you run, and what the next request must answer. */
export interface OpenAIToolCall {
  /** `tool_call.id` (Chat Completions) or `call_id` (Responses): answer with it. */
  readonly id: string;
  readonly name: string;
  /** The arguments as the model wrote them (JSON text). */
  readonly arguments: string;
  /** The arguments parsed; the raw text when they are not JSON. */
  readonly input: unknown;
}

/** One model call, read to its end. */
export interface OpenAIStep extends StreamSummary {
  /** `finish_reason` (Chat Completions) or the response's status, `completed` or `incomplete` (Responses). */
  readonly finishReason: string;
  readonly toolCalls: readonly OpenAIToolCall[];
}

/** A tool call's result for `publishToolResults`: what the tool returned, or what it threw. */
export type OpenAIToolResult =
  | { readonly toolCallId: string; readonly output: unknown }
  | { readonly toolCallId: string; readonly error: unknown };

const SDK = "OpenAI";

/**
 * Reads one streamed OpenAI response (Chat Completions or Responses API) to its end and publishes the events the
 * Griptape Python framework's OpenAI driver publishes for it (see docs/adapters.md); resolves with the text, the
 * token counts (ask for them with `stream_options: {include_usage: true}` on Chat Completions) and the tool calls.
 *
 * ```ts
 * const { text } = await publishOpenAIStream(await openai.chat.completions.create(params), publishEvent, params);
 * ```
 *
 * Rejects, after publishing everything read: with the SDK's own error when the request fails, with
 * `StreamAbortedError` when `signal` aborts, with `ModelStreamError` when the model reports a failure in the stream,
 * when a chunk is not what the SDK's types describe, or when the stream ends before the model finished.
 */
export async function publishOpenAIStream(
  stream: OpenAIStreamSource,
  publishEvent: PublishEvent,
  options: OpenAIStreamOptions = {},
): Promise<OpenAIStep> {
  const settings = resolveStepSettings(options, options.model);
  const steps = new StepEvents(publishEvent, settings, openAIPromptMessages(options));
  let reader: ChatCompletionStream | ResponsesStream | undefined;
  try {
    await readStream(stream as AsyncIterable<ChatCompletionChunk | ResponseStreamEvent>, options.signal, (item) => {
      try {
        reader ??= readerFor(item, steps);
        if (reader instanceof ChatCompletionStream) reader.onChunk(asChunk(item));
        else reader.onEvent(asEvent(item));
      } catch (error) {
        throw typedPartError(error, SDK);
      }
    });
  } catch (error) {
    steps.interruptQuietly(error instanceof StreamAbortedError ? "abort" : "error");
    throw error;
  }
  if (reader instanceof ResponsesStream && reader.failure !== undefined) {
    steps.interruptQuietly("error");
    throw new ModelStreamError("model_error", `the model failed: ${reader.failure}`);
  }
  if (reader instanceof ChatCompletionStream && reader.finished) reader.end();
  if (reader === undefined || !reader.finished || steps.isOpen) {
    steps.interruptQuietly("error");
    throw new ModelStreamError(
      "truncated",
      "the OpenAI stream ended before the model finished (no finish_reason or response.completed); was it aborted?",
    );
  }
  const summary = steps.summary();
  return {
    ...summary,
    finishReason: reader.finishReason ?? "",
    // A call the stream never named (arguments for an index it did not announce) cannot be answered: its deltas
    // were published, but it is no call of the step.
    toolCalls: steps
      .toolCalls()
      .filter((call) => call.tag !== "")
      .map((call) => ({
        id: call.tag,
        name: call.toolName,
        arguments: call.arguments,
        input: call.input !== undefined ? call.input : parseToolArguments(call.arguments),
      })),
  };
}

/**
 * Publishes what Griptape's ActionsSubtask publishes once a step's tools have run: StartActionsSubtaskEvent, then
 * FinishActionsSubtaskEvent with the results as a ListArtifact of `"{tag} output"` artifacts (an ErrorArtifact for
 * a result given as `error`, or an `output` that is an Error). Throws `ModelStreamError` (`unknown_tool_call`),
 * publishing nothing, when a result names a call the step did not make.
 */
export function publishToolResults(
  publishEvent: PublishEvent,
  step: OpenAIStep,
  results: readonly OpenAIToolResult[],
  options: Pick<AdapterOptions, "taskId"> = {},
): void {
  const settings = resolveStepSettings({ taskId: options.taskId }, undefined);
  const outcomes: ToolOutcome[] = results.map((result) => {
    const call = isObject(result) ? step.toolCalls.find((c) => c.id === result.toolCallId) : undefined;
    if (call === undefined) {
      const id = isObject(result) ? String(result.toolCallId) : describe(result);
      throw new ModelStreamError("unknown_tool_call", `a tool result names ${id}, not a tool call of this step`);
    }
    const isError = "error" in result;
    return {
      tag: call.id,
      toolName: call.name,
      input: call.input,
      output: isError ? result.error : result.output,
      isError,
    };
  });
  if (outcomes.length === 0) return;
  publishActionsSubtask(publishEvent, outcomes, {
    thought: step.text,
    taskId: settings.taskId,
    previousSubtaskId: null,
  });
}

function readerFor(item: unknown, steps: StepEvents): ChatCompletionStream | ResponsesStream {
  if (isChatChunk(item)) return new ChatCompletionStream(steps);
  if (isObject(item) && typeof item.type === "string") return new ResponsesStream(steps);
  throw invalidPart(SDK, `expected a Chat Completions chunk or a Responses event, got ${describe(item)}`);
}

function isChatChunk(item: unknown): boolean {
  return isObject(item) && (item.object === "chat.completion.chunk" || Array.isArray(item.choices));
}

function asChunk(item: ChatCompletionChunk | ResponseStreamEvent): ChatCompletionChunk {
  if (isChatChunk(item)) return item as ChatCompletionChunk;
  throw invalidPart(SDK, "a Responses event in a Chat Completions stream");
}

function asEvent(item: ChatCompletionChunk | ResponseStreamEvent): ResponseStreamEvent {
  if (!isChatChunk(item)) return item as ResponseStreamEvent;
  throw invalidPart(SDK, "a Chat Completions chunk in a Responses stream");
}
