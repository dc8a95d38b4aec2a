import { type PromptStack, toPromptStack } from "../events/prompt-stack.js";

/** One message of a conversation, reduced to what a Griptape PromptStack of text carries. */
export interface PromptMessage {
  /** `system`, `user` or `assistant`: Griptape's roles (tool results travel in `user` messages, as in Python). */
  readonly role: "system" | "user" | "assistant";
  readonly texts: readonly string[];
}

/**
 * The PromptStack of a conversation. Every content is a `TextMessageContent` holding a `TextArtifact`: tool calls
 * and tool results are written as their text (see docs/adapters.md), because the artifact types a Cloud reader
 * validates do not include Python's ActionArtifact. Usage is unknown for messages that went into a prompt.
 */
export function promptStack(messages: readonly PromptMessage[]): PromptStack {
  return toPromptStack(messages.map((message) => ({ role: message.role, content: [...message.texts] })));
}
