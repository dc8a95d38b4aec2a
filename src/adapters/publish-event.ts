import type { EventBus } from "../bus/event-bus.js";

/** What the adapters publish with: a bus's `publishEvent`, or the one `runStructure` hands the entry. */
export type PublishEvent = EventBus["publishEvent"];

/** Token counts of a model step, or of a whole stream; null where the stream did not report them. */
export interface TokenUsage {
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
}

/** What an adapter resolves with, so the structure can `return` the answer. */
export interface StreamSummary {
  /** The text of the last model step: the answer. */
  readonly text: string;
  /** Token counts summed over the steps; null when the stream never reported them. */
  readonly usage: TokenUsage;
}

/** A token count as Griptape's events carry it: a non-negative integer, or null when unknown or nonsensical. */
export function tokenCount(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
