import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ResponseInput, ResponseInputItem } from "openai/resources/responses/responses";
import { safeJson } from "./action-artifacts.js";
import type { PromptMessage } from "./prompt-stack.js";
import { parseToolArguments, toolActionDict } from "./tool-action.js";

/**
 * The prompt fields of an OpenAI request; pass the same params you gave `create()`: `messages` for Chat
 * Completions, `instructions` and `input` for the Responses API.
 */
export interface OpenAIPrompt {
  messages?: readonly ChatCompletionMessageParam[] | undefined;
  instructions?: string | null | undefined;
  input?: string | ResponseInput | undefined;
}

/**
 * The conversation of an OpenAI request as Griptape prompt messages: `developer` is Griptape's `system`; text as
 * text; a tool call as its `{tag, name, path, input}` JSON; a tool result (a `user` message in Griptape) as its
 * text, the results of one step's calls in one message as Griptape keeps them. Images, audio and files are left
 * out: they have no TextArtifact form.
 */
export function openAIPromptMessages(prompt: OpenAIPrompt): PromptMessage[] {
  const out: PromptMessage[] = [];
  for (const message of prompt.messages ?? []) {
    const converted = chatMessage(message);
    append(out, converted.role, converted.texts, message.role === "tool" || message.role === "function");
  }
  if (typeof prompt.instructions === "string") out.push({ role: "system", texts: [prompt.instructions] });
  if (typeof prompt.input === "string") out.push({ role: "user", texts: [prompt.input] });
  else for (const item of prompt.input ?? []) pushInputItem(out, item);
  return out;
}

function chatMessage(message: ChatCompletionMessageParam): PromptMessage {
  switch (message.role) {
    case "developer":
    case "system":
      return { role: "system", texts: contentTexts(message.content) };
    case "user":
      return { role: "user", texts: contentTexts(message.content) };
    case "assistant": {
      const texts = contentTexts(message.content);
      for (const call of message.tool_calls ?? []) {
        const input = call.type === "function" ? parseToolArguments(call.function.arguments) : call.custom.input;
        const name = call.type === "function" ? call.function.name : call.custom.name;
        texts.push(safeJson(toolActionDict(call.id, name, input)) ?? "");
      }
      return { role: "assistant", texts };
    }
    case "tool":
      return { role: "user", texts: contentTexts(message.content) };
    default:
      // The deprecated `function` role: its result is a tool result, which Griptape puts in a user message.
      return { role: "user", texts: contentTexts(message.content) };
  }
}

function pushInputItem(out: PromptMessage[], item: ResponseInputItem): void {
  if (item.type === undefined || item.type === "message") {
    if (!("role" in item)) return;
    const role = item.role === "assistant" ? "assistant" : item.role === "user" ? "user" : "system";
    append(out, role, contentTexts(item.content), false);
  } else if (item.type === "function_call") {
    const call = safeJson(toolActionDict(item.call_id, item.name, parseToolArguments(item.arguments))) ?? "";
    append(out, "assistant", [call], true);
  } else if (item.type === "function_call_output") {
    append(out, "user", contentTexts(item.output), true);
  }
}

/** Adds a message, or with `merge` extends the last one when it has the same role (a step's calls, its results). */
function append(out: PromptMessage[], role: PromptMessage["role"], texts: readonly string[], merge: boolean): void {
  const last = out.at(-1);
  if (merge && last !== undefined && last.role === role)
    out[out.length - 1] = { role, texts: [...last.texts, ...texts] };
  else out.push({ role, texts });
}

/** The text parts of a content: a string, or a list of parts of which only text ones count. */
function contentTexts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== "object" || part === null) continue;
    const { text, refusal } = part as { text?: unknown; refusal?: unknown };
    if (typeof text === "string") texts.push(text);
    else if (typeof refusal === "string") texts.push(refusal);
  }
  return texts;
}
