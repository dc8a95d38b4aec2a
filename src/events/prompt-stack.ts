import * as z from "zod";
import { isArtifactLike, type ListArtifactInput, TextArtifactSchema, textArtifact } from "./artifacts.js";
import { JsonObjectSchema, JsonValueSchema } from "./json-value.js";
import { parseOrThrow } from "./schema-error.js";

// A StartPromptEvent's prompt stack in the Python framework's shape (see docs/wire-format.md). Strict, like
// the events: the framework's reader builds each part with its class's constructor.

/** Token counts are numbers (the framework's are floats) and never negative. */
export const TokenCountSchema = z.number().nonnegative();

export const UsageSchema = z.strictObject({
  type: z.literal("Usage").default("Usage"),
  input_tokens: TokenCountSchema.nullable().default(null),
  output_tokens: TokenCountSchema.nullable().default(null),
});

/** The framework's class holds a TextArtifact: its reader cannot load another artifact there. */
export const TextMessageContentSchema = z.strictObject({
  type: z.literal("TextMessageContent"),
  artifact: TextArtifactSchema,
});

/**
 * The framework's other message contents (images, audio, tool calls and their results, generic), which carry
 * artifact kinds this library does not model: passed through as given, as long as they are plain JSON.
 */
export const OtherMessageContentSchema = z
  .object({
    type: z.enum([
      "ImageMessageContent",
      "AudioMessageContent",
      "ActionCallMessageContent",
      "ActionResultMessageContent",
      "GenericMessageContent",
    ]),
    artifact: JsonObjectSchema,
  })
  .catchall(JsonValueSchema);

export const MessageContentSchema = z.discriminatedUnion("type", [TextMessageContentSchema, OtherMessageContentSchema]);

/**
 * One part of a message's content as accepted at publish, as the framework's `PromptStack.add_message` takes it: a
 * string or a TextArtifact stands for a TextMessageContent, a ListArtifact for its items.
 */
export type MessageContentInput =
  | string
  | z.input<typeof TextArtifactSchema>
  | ListArtifactInput
  | z.input<typeof MessageContentSchema>;
export type MessageContent = z.output<typeof MessageContentSchema>;
export type TextMessageContent = z.output<typeof TextMessageContentSchema>;

/** The roles the framework uses; any other string is allowed too. */
export type MessageRole = "system" | "user" | "assistant" | (string & {});

// The expansion runs before validation, so a bad artifact inside a shorthand is reported at its own path.
const contentSchema = z.preprocess(
  expandContent,
  z.array(MessageContentSchema, {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input !== undefined
        ? "expected a string, an artifact, or a list of them or of message contents"
        : undefined,
  }),
) as unknown as z.ZodType<MessageContent[], MessageContentInput | readonly MessageContentInput[]>;

export const MessageSchema = z.strictObject({
  type: z.literal("Message").default("Message"),
  role: z.string() as unknown as z.ZodType<MessageRole, MessageRole>,
  content: contentSchema,
  usage: UsageSchema.default(() => ({ type: "Usage" as const, input_tokens: null, output_tokens: null })),
});

export const PromptStackSchema = z.strictObject(
  {
    type: z.literal("PromptStack").default("PromptStack"),
    messages: z.array(MessageSchema).default(() => []),
  },
  {
    error: (issue) =>
      issue.code === "invalid_type" && (issue.input === undefined || issue.input === null)
        ? `${issue.input === undefined ? "is required" : "may not be null"} (a prompt stack, which toPromptStack(messages) makes)`
        : undefined,
  },
);

export type Usage = z.output<typeof UsageSchema>;
export type Message = z.output<typeof MessageSchema>;
export type MessageInput = z.input<typeof MessageSchema>;
export type PromptStack = z.output<typeof PromptStackSchema>;
export type PromptStackInput = z.input<typeof PromptStackSchema>;

/**
 * A prompt stack in the framework's shape from `{role, content}` messages, content being a string, an artifact
 * or a list of either (or of message contents): `toPromptStack([{role: "user", content: "Hi"}])`.
 * Throws `InvalidEventError` (reason `schema`) naming what is wrong.
 */
export function toPromptStack(messages: readonly MessageInput[]): PromptStack {
  return parseOrThrow(PromptStackSchema, { messages }, "prompt stack");
}

/**
 * The framework's own expansion (`PromptStack.add_message`): a string or a TextArtifact becomes a TextMessageContent,
 * a ListArtifact its items' contents. It refuses any other artifact; here one is wrapped as it is, and the
 * TextMessageContent's schema then says which type it expected, at the artifact's path.
 */
function expandContent(value: unknown): unknown {
  if (!Array.isArray(value)) return isShorthand(value) ? expandItem(value, []) : value;
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (isShorthand(item)) expandItem(item, out);
    else out.push(item);
  }
  return out;
}

function isShorthand(value: unknown): value is string | { type: string; value: unknown } {
  return typeof value === "string" || isArtifactLike(value);
}

function expandItem(value: string | { type: string; value: unknown }, out: unknown[]): unknown[] {
  if (typeof value === "string") out.push({ type: "TextMessageContent", artifact: textArtifact(value) });
  else if (value.type === "ListArtifact" && Array.isArray(value.value)) {
    for (const item of value.value as unknown[]) {
      if (isArtifactLike(item)) expandItem(item, out);
      else out.push(item);
    }
  } else out.push({ type: "TextMessageContent", artifact: value });
  return out;
}
