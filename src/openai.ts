// Entry point of `structure-run-events/openai`: the OpenAI SDK adapter. The package root never imports it, so a
// structure that does not use the OpenAI SDK loads none of this (see docs/adapters.md).
export { type AdapterOptions, DEFAULT_ADAPTER_OPTIONS } from "./adapters/adapter-options.js";
export {
  type OpenAIStep,
  type OpenAIStreamOptions,
  type OpenAIStreamSource,
  type OpenAIToolCall,
  type OpenAIToolResult,
  publishOpenAIStream,
  publishToolResults,
} from "./adapters/openai-adapter.js";
export type { OpenAIPrompt } from "./adapters/openai-prompt.js";
export type { PublishEvent, StreamSummary, TokenUsage } from "./adapters/publish-event.js";
export { ModelStreamError, type ModelStreamErrorReason, StreamAbortedError } from "./errors.js";
