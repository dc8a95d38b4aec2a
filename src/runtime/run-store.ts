import { randomUUID } from "node:crypto";
import { RunStateError, UnknownRunError } from "../errors.js";
import type { UserEventEnvelope } from "../events/user-events-post-body.js";
import type { EventDetail, SystemEventDetail, SystemEventType } from "../events/wire-schemas.js";
import { isTerminalStatus } from "../web/terminal-event.js";
import { generateApiKey, keyDigest } from "./api-keys.js";
import { formatIsoMicros, MicrosecondClock } from "./clock.js";
import type { NdjsonEventLog } from "./ndjson-event-log.js";
import type { CreateRunOptions, StructureRun, StructureRunResource } from "./structure-run.js";
import { parseSystemEventPayload, type SystemEventPayload, statusRank } from "./system-events.js";

/** One stored event: its offset in the run (0-based, storage order), the EventDetail, and that detail as JSON. */
export interface StoredEvent {
  readonly offset: number;
  readonly detail: EventDetail;
  /** Serialised once when stored; pages, streams and the NDJSON file reuse it. */
  readonly json: string;
}

export type EventSubscriber = (event: StoredEvent) => void;

interface RunRecord {
  resource: StructureRunResource;
  /** `resource` as JSON, made on first read after each change and shared by every reader until the next. */
  resourceJson: string | undefined;
  readonly apiKey: string;
  readonly envVars: Readonly<Record<string, string>>;
  readonly events: StoredEvent[];
  readonly subscribers: Set<EventSubscriber>;
}

export interface RunStoreOptions {
  /** Where every stored event is appended as an NDJSON line, if anywhere. */
  eventLog?: NdjsonEventLog;
  /** Called after each event is stored, before subscribers; must not throw (the emulator wraps its hook). */
  onStored?: (event: StoredEvent) => void;
}

/**
 * Runs and their events, in memory. Events get offsets in storage order, which is arrival order for USER events;
 * subscribers see each event once, synchronously, right after it is stored, so "read the past, then subscribe"
 * done in one synchronous step misses nothing and repeats nothing.
 */
export class RunStore {
  readonly #runs = new Map<string, RunRecord>();
  /** SHA-256 digest (hex) of each run's key → run id. */
  readonly #keys = new Map<string, string>();
  readonly #clock = new MicrosecondClock();
  #eventLog: NdjsonEventLog | undefined;
  readonly #onStored: ((event: StoredEvent) => void) | undefined;

  constructor(options: RunStoreOptions = {}) {
    this.#eventLog = options.eventLog;
    this.#onStored = options.onStored;
  }

  set eventLog(log: NdjsonEventLog | undefined) {
    this.#eventLog = log;
  }

  /** Resolves once the events file (if any) has taken what was stored; see NdjsonEventLog.drained. */
  eventLogDrained(): Promise<void> {
    return this.#eventLog?.drained() ?? Promise.resolve();
  }

  createRun(options: CreateRunOptions = {}): StructureRun {
    const now = formatIsoMicros(this.#clock.now());
    const envVars = { ...(options.envVars ?? {}) };
    const record: RunRecord = {
      resource: {
        structure_run_id: randomUUID(),
        structure_id: options.structureId ?? null,
        status: "QUEUED",
        created_at: now,
        updated_at: now,
        completed_at: null,
        args: [...(options.args ?? [])],
        output: null,
        status_detail: null,
        env_var_names: Object.keys(envVars).sort(),
      },
      resourceJson: undefined,
      apiKey: generateApiKey(),
      envVars: Object.freeze(envVars),
      events: [],
      subscribers: new Set(),
    };
    this.#runs.set(record.resource.structure_run_id, record);
    this.#keys.set(keyDigest(record.apiKey).toString("hex"), record.resource.structure_run_id);
    return this.#snapshot(record);
  }

  /** Every run's id, in creation order. */
  runIds(): string[] {
    return [...this.#runs.keys()];
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  getRun(runId: string): StructureRun | undefined {
    const record = this.#runs.get(runId);
    return record === undefined ? undefined : this.#snapshot(record);
  }

  /** The wire form (no key, no env var values). */
  resource(runId: string): StructureRunResource | undefined {
    const record = this.#runs.get(runId);
    return record === undefined ? undefined : structuredClone(record.resource);
  }

  /**
   * The wire form as JSON, serialised once per change of the run: a reader of a run whose output is megabytes,
   * or of the runs page, shares the one string rather than getting its own copy.
   */
  resourceJson(runId: string): string | undefined {
    const record = this.#runs.get(runId);
    if (record === undefined) return undefined;
    record.resourceJson ??= JSON.stringify(record.resource);
    return record.resourceJson;
  }

  /** The run whose key has this SHA-256 digest, if any. */
  runIdForKeyDigest(digest: Buffer): string | undefined {
    return this.#keys.get(digest.toString("hex"));
  }

  isTerminal(runId: string): boolean {
    return isTerminalStatus(this.#record(runId).resource.status);
  }

  eventCount(runId: string): number {
    return this.#record(runId).events.length;
  }

  /** Stored events from `offset`, at most `limit` of them. */
  eventsFrom(runId: string, offset: number, limit = Number.POSITIVE_INFINITY): readonly StoredEvent[] {
    const events = this.#record(runId).events;
    return events.slice(offset, Math.min(events.length, offset + limit));
  }

  events(runId: string): EventDetail[] {
    return this.#record(runId).events.map((e) => e.detail);
  }

  /** Calls `subscriber` for each event stored from now on; returns the unsubscribe function. */
  subscribe(runId: string, subscriber: EventSubscriber): () => void {
    const subscribers = this.#record(runId).subscribers;
    subscribers.add(subscriber);
    return () => {
      subscribers.delete(subscriber);
    };
  }

  /**
   * Stores validated USER envelopes in order, all of them or none: each is serialised before any is stored, so a
   * failure leaves nothing behind for a retry to store twice, and whatever is stored reaches every reader.
   * `event_id` is a fresh dashed UUID per stored event, as the Events API assigns it: an event that arrives twice
   * (an at-least-once retry) is stored twice with two ids, and readers de-duplicate by `payload.id`.
   * A `FinishStructureRunEvent` sets the run's `output` to its `output_task_output` (see docs/wire-format.md).
   * Throws `RunStateError` once the run is terminal: its events and output are fixed.
   */
  appendUserEvents(runId: string, envelopes: readonly UserEventEnvelope[]): void {
    const record = this.#record(runId);
    const status = record.resource.status;
    if (isTerminalStatus(status)) {
      throw new RunStateError(
        runId,
        `run ${runId} already ended with status ${status}; its events and output are fixed`,
      );
    }
    const details = envelopes.map(
      (envelope): EventDetail => ({
        event_id: randomUUID(),
        timestamp: envelope.timestamp,
        type: envelope.type,
        payload: envelope.payload,
        created_at: formatIsoMicros(this.#clock.now()),
        origin: "USER",
        structure_run: runId,
      }),
    );
    // JSON.stringify is what can throw (a stack overflow on a deep payload): done for all before any is stored.
    const jsons = details.map((detail) => JSON.stringify(detail));
    const stored: StoredEvent[] = [];
    details.forEach((detail, i) => {
      const payload = envelopes[i]?.payload;
      if (payload?.type === "FinishStructureRunEvent") {
        const output = payload.output_task_output;
        record.resource.output = isPlainObject(output) ? output : null;
        record.resource.updated_at = detail.created_at;
        record.resourceJson = undefined;
      }
      stored.push(this.#push(record, detail, jsons[i] as string));
    });
    this.#publish(record, stored);
  }

  /**
   * Validates and stores a SYSTEM event, moving the run's status forward to the payload's `status`.
   * Throws `InvalidEventError` for a bad payload and `RunStateError` for a move backwards or after a terminal status.
   */
  appendSystemEvent<T extends SystemEventType>(runId: string, type: T, payload: SystemEventPayload<T>): EventDetail {
    const record = this.#record(runId);
    const parsed: SystemEventPayload = parseSystemEventPayload(type, payload);
    const from = record.resource.status;
    const to = parsed.status;
    if (isTerminalStatus(from)) {
      throw new RunStateError(runId, `run ${runId} already ended with status ${from}; no ${type} can follow`);
    }
    if (statusRank(to) <= statusRank(from)) {
      throw new RunStateError(runId, `run ${runId} is ${from}; ${type} (${to}) would move it backwards`);
    }
    const micros = this.#clock.now();
    const createdAt = formatIsoMicros(micros);
    const detail = {
      event_id: randomUUID(),
      timestamp: micros / 1e6,
      type,
      payload: parsed,
      created_at: createdAt,
      origin: "SYSTEM",
      structure_run: runId,
    } as SystemEventDetail;
    record.resource.status = to;
    record.resource.updated_at = createdAt;
    record.resourceJson = undefined;
    if (isTerminalStatus(to)) {
      record.resource.completed_at = createdAt;
      record.resource.status_detail = "status_detail" in parsed ? { ...parsed.status_detail } : null;
    }
    const stored = this.#push(record, detail, JSON.stringify(detail));
    this.#publish(record, [stored]);
    return detail;
  }

  #push(record: RunRecord, detail: EventDetail, json: string): StoredEvent {
    const event: StoredEvent = { offset: record.events.length, detail, json };
    record.events.push(event);
    return event;
  }

  #publish(record: RunRecord, stored: readonly StoredEvent[]): void {
    if (stored.length === 0) return;
    // One write for the batch: lines stay in storage order and contiguous.
    this.#eventLog?.append(stored.map((e) => `${e.json}\n`).join(""));
    for (const event of stored) {
      this.#onStored?.(event);
      // A copy: a subscriber may unsubscribe (an SSE stream ending) while we iterate.
      for (const subscriber of [...record.subscribers]) {
        try {
          subscriber(event);
        } catch {
          // A subscriber is an event stream that pulls from the store: one that failed cannot make the others
          // miss the event, and the stored event stays for it to resume from.
        }
      }
    }
  }

  #record(runId: string): RunRecord {
    const record = this.#runs.get(runId);
    if (record === undefined) throw new UnknownRunError(runId);
    return record;
  }

  #snapshot(record: RunRecord): StructureRun {
    return { ...structuredClone(record.resource), apiKey: record.apiKey, envVars: record.envVars };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
