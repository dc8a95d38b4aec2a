import type { ModelMessage, SystemModelMessage, ToolResultPart } from "ai";
import { errorMessage, safeJson } from "./action-artifacts.js";
import type { PromptMessage } from "./prompt-stack.js";
import { toolActionDict } from "./tool-action.js";

/** The prompt fields of a `streamText` call; pass the same object you gave `streamText`. */
export interface AiSdkPrompt {
  system?: string | SystemModelMessage | readonly SystemModelMessage[] | undefined;
  prompt?: string | readonly ModelMessage[] | undefined;
  messages?: readonly ModelMessage[] | undefined;
}

/**
 * The conversation of a `streamText` call as Griptape prompt messages: text as text, a tool call as its
 * `{tag, name, path, input}` JSON, a tool result (role `tool`, a `user` message in Griptape) as its output's text.
 * Images, files and reasoning are left out: they have no TextArtifact form.
 */
export function aiSdkPromptMessages(prompt: AiSdkPrompt): PromptMessage[] {
  const out: PromptMessage[] = [];
  const system = prompt.system;
  if (typeof system === "string") out.push({ role: "system", texts: [system] });
  else if (Array.isArray(system)) for (const m of system as readonly SystemModelMessage[]) out.push(systemMessage(m));
  else if (system !== undefined) out.push(systemMessage(system as SystemModelMessage));
  const messages = typeof prompt.prompt === "string" ? undefined : (prompt.prompt ?? prompt.messages);
  if (typeof prompt.prompt === "string") out.push({ role: "user", texts: [prompt.prompt] });
  for (const message of messages ?? []) {
    const converted = modelMessage(message);
    if (converted !== undefined) out.push(converted);
  }
  return out;
}

function systemMessage(message: SystemModelMessage): PromptMessage {
  return { role: "system", texts: [String(message.content)] };
}

function modelMessage(message: ModelMessage): PromptMessage | undefined {
  switch (message.role) {
    case "system":
      return systemMessage(message);
    case "user": {
      if (typeof message.content === "string") return { role: "user", texts: [message.content] };
      const texts: string[] = [];
      for (const part of message.content) if (part.type === "text") texts.push(part.text);
      return { role: "user", texts };
    }
    case "assistant": {
      if (typeof message.content === "string") return { role: "assistant", texts: [message.content] };
      const texts: string[] = [];
      for (const part of message.content) {
        if (part.type === "text") texts.push(part.text);
        else if (part.type === "tool-call")
          texts.push(safeJson(toolActionDict(part.toolCallId, part.toolName, part.input)) ?? "");
        else if (part.type === "tool-result") texts.push(toolResultText(part));
      }
      return { role: "assistant", texts };
    }
    case "tool": {
      const texts: string[] = [];
      for (const part of message.content) if (part.type === "tool-result") texts.push(toolResultText(part));
      return { role: "user", texts };
    }
    default:
      return undefined;
  }
}

function toolResultText(part: ToolResultPart): string {
  const output = part.output;
  switch (output.type) {
    case "text":
    case "error-text":
      return output.value;
    case "json":
    case "error-json":
      return safeJson(output.value) ?? "";
    case "execution-denied":
      return output.reason ?? "the tool's execution was denied";
    case "content":
      return output.value.map((item) => (item.type === "text" ? item.text : "")).join("");
    default:
      return errorMessage(output);
  }
}
