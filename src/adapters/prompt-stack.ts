import type { Artifact } from "../events/artifacts.js";
import { makeArtifact } from "./action-artifacts.js";

/** One message of a conversation, reduced to what a Griptape PromptStack of text carries. */
export interface PromptMessage {
  /** `system`, `user` or `assistant`: Griptape's roles (tool results travel in `user` messages, as in Python). */
  readonly role: "system" | "user" | "assistant";
  readonly texts: readonly string[];
}

/** A Griptape `PromptStack` as `StartPromptEvent.prompt_stack` carries it (Python's `PromptStack.to_dict()`). */
export interface PromptStackDict {
  type: "PromptStack";
  messages: Array<{
    type: "Message";
    role: string;
    content: Array<{ type: "TextMessageContent"; artifact: Artifact }>;
    usage: { type: "Usage"; input_tokens: number | null; output_tokens: number | null };
  }>;
  [key: string]: unknown;
}

/**
 * The PromptStack of a conversation. Every content is a `TextMessageContent` holding a `TextArtifact`: tool calls
 * and tool results are written as their text (see docs/adapters.md), because the artifact types a Cloud reader
 * validates do not include Python's ActionArtifact. Usage is unknown for messages that went into a prompt.
 */
export function promptStack(messages: readonly PromptMessage[]): PromptStackDict {
  return {
    type: "PromptStack",
    messages: messages.map((message) => ({
      type: "Message",
      role: message.role,
      content: message.texts.map((text) => ({
        type: "TextMessageContent",
        artifact: makeArtifact("TextArtifact", text),
      })),
      usage: { type: "Usage", input_tokens: null, output_tokens: null },
    })),
  };
}
