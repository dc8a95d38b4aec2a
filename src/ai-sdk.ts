// Entry point of `structure-run-events/ai-sdk`: the Vercel AI SDK adapter. The package root never imports it, so a
// structure that does not use the AI SDK loads none of this (see docs/adapters.md).
export { type AdapterOptions, DEFAULT_ADAPTER_OPTIONS } from "./adapters/adapter-options.js";
export { type AiSdkStreamOptions, type AiSdkStreamSource, publishAiSdkStream } from "./adapters/ai-sdk-adapter.js";
export type { AiSdkPrompt } from "./adapters/ai-sdk-prompt.js";
export type { PublishEvent, StreamSummary, TokenUsage } from "./adapters/publish-event.js";
export { ModelStreamError, type ModelStreamErrorReason, StreamAbortedError } from "./errors.js";
