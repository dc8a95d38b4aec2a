/**
 * Every event type of the Griptape framework's catalogue (see docs/wire-format.md). Any other USER type is a
 * custom event, which the page lists on its own. A test holds this list to the library's known types.
 */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  "StartStructureRunEvent",
  "FinishStructureRunEvent",
  "StartTaskEvent",
  "FinishTaskEvent",
  "StartActionsSubtaskEvent",
  "FinishActionsSubtaskEvent",
  "StartPromptEvent",
  "FinishPromptEvent",
  "TextChunkEvent",
  "ActionChunkEvent",
  "AudioChunkEvent",
  "StartImageGenerationEvent",
  "FinishImageGenerationEvent",
  "StartImageQueryEvent",
  "FinishImageQueryEvent",
  "StartTextToSpeechEvent",
  "FinishTextToSpeechEvent",
  "StartAudioTranscriptionEvent",
  "FinishAudioTranscriptionEvent",
]);
