import { describe, expect, it } from "vitest";
import { isKnownEventType } from "../../src/events/event-schemas.js";
import {
  ArtifactSchema,
  EventBus,
  EventListener,
  FinishStructureRunEventSchema,
  InvalidEventError,
  KNOWN_EVENT_SCHEMAS,
  MemoryEventListenerDriver,
  TextChunkEventSchema,
  UserEventEnvelopeSchema,
  UserEventsPostBodySchema,
} from "../../src/index.js";
import { EventDetailSchema, SystemEventDetailSchema } from "../../src/local.js";

import { readFixture } from "../support/fixtures.js";

interface Envelope {
  payload: Record<string, unknown> & { type: string; id: string; timestamp: number; meta: Record<string, unknown> };
  timestamp: number;
  type: string;
}

interface Detail {
  event_id: string;
  type: string;
  origin: string;
  payload: Record<string, unknown>;
}

const userPost = readFixture("user-events-post.json") as Envelope[];
const systemEvents = readFixture("system-events.json") as Detail[];

function clone<T>(value: T): T {
  return structuredClone(value);
}

describe("fixtures are present", () => {
  it("has user and system events to check", () => {
    expect(Array.isArray(userPost)).toBe(true);
    expect(userPost.length).toBeGreaterThan(0);
    expect(Array.isArray(systemEvents)).toBe(true);
    expect(systemEvents.map((e) => e.type)).toEqual([
      "StructureRunStarting",
      "StructureRunRunning",
      "StructureRunCompleted",
      "StructureRunError",
    ]);
  });
});

describe("user-events-post.json", () => {
  it("parses as a whole with UserEventsPostBodySchema", () => {
    const parsed = UserEventsPostBodySchema.safeParse(userPost);
    expect(parsed.success).toBe(true);
  });

  it.each(userPost.map((e) => [e.type, e] as const))(
    "%s envelope parses with UserEventEnvelopeSchema",
    (_, envelope) => {
      const parsed = UserEventEnvelopeSchema.safeParse(envelope);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(envelope);
      // The envelope repeats the payload's type and timestamp.
      expect(envelope.type).toBe(envelope.payload.type);
      expect(envelope.timestamp).toBe(envelope.payload.timestamp);
    },
  );

  it.each(userPost.map((e) => [e.type, e] as const))(
    "%s payload parses with its known event schema",
    (type, envelope) => {
      expect(isKnownEventType(type)).toBe(true);
      const schema = KNOWN_EVENT_SCHEMAS[type as keyof typeof KNOWN_EVENT_SCHEMAS];
      const parsed = schema.safeParse(envelope.payload);
      expect(parsed.success).toBe(true);
      // Nothing is added or changed by the schema: the fixture is already complete wire form.
      expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(envelope.payload));
    },
  );

  it("the FinishStructureRunEvent's artifact parses with ArtifactSchema", () => {
    const finish = userPost.find((e) => e.type === "FinishStructureRunEvent");
    expect(finish).toBeDefined();
    const artifact = finish!.payload.output_task_output;
    const parsed = ArtifactSchema.safeParse(artifact);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(artifact);
    expect(parsed.data?.type).toBe("TextArtifact");
  });

  it("publishing each payload's fields through a bus reproduces the payload exactly, key order included", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver }));
    const returned = userPost.map((e) => bus.publishEvent(clone(e.payload) as never));
    expect(driver.records).toHaveLength(userPost.length);
    userPost.forEach((envelope, i) => {
      expect(driver.records[i]!.json).toBe(JSON.stringify(envelope.payload));
      expect(driver.events[i]).toEqual(envelope.payload);
      expect(returned[i]!.json).toBe(JSON.stringify(envelope.payload));
      expect(returned[i]!.type).toBe(envelope.type);
      expect(returned[i]!.id).toBe(envelope.payload.id);
      expect(returned[i]!.timestamp).toBe(envelope.timestamp);
    });
  });

  it("publishing the payload's fields in reverse order still gives the fixture's key order", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver }));
    for (const envelope of userPost) {
      const reversed = Object.fromEntries(Object.entries(clone(envelope.payload)).reverse());
      bus.publishEvent(reversed as never);
    }
    expect(driver.records.map((r) => r.json)).toEqual(userPost.map((e) => JSON.stringify(e.payload)));
  });
});

describe("system-events.json", () => {
  it.each(systemEvents.map((e) => [e.type, e] as const))("%s parses with SystemEventDetailSchema", (_, detail) => {
    const parsed = SystemEventDetailSchema.safeParse(detail);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(detail);
  });

  it.each(systemEvents.map((e) => [e.type, e] as const))("%s parses with EventDetailSchema", (_, detail) => {
    const parsed = EventDetailSchema.safeParse(detail);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(detail);
  });

  it("a USER event detail built from the POST fixture parses with EventDetailSchema but not SystemEventDetailSchema", () => {
    const envelope = userPost[0]!;
    const detail = {
      event_id: "52345678-f277-4f12-939f-707804f2fdf0",
      timestamp: envelope.timestamp,
      type: envelope.type,
      payload: envelope.payload,
      created_at: "2024-09-11T23:15:50.100000Z",
      origin: "USER",
      structure_run: "12345678-e125-4c38-b67f-02b82aa443ce",
    };
    expect(EventDetailSchema.safeParse(detail).success).toBe(true);
    expect(SystemEventDetailSchema.safeParse(detail).success).toBe(false);
  });
});

describe("negative cases", () => {
  const finish = () => clone(userPost.find((e) => e.type === "FinishStructureRunEvent")!);

  it("a wrong artifact type fails ArtifactSchema and the event schema", () => {
    const envelope = finish();
    const artifact = envelope.payload.output_task_output as Record<string, unknown>;
    artifact.type = "PictureArtifact";
    expect(ArtifactSchema.safeParse(artifact).success).toBe(false);
    expect(FinishStructureRunEventSchema.safeParse(envelope.payload).success).toBe(false);
  });

  it("an artifact whose value does not match its type fails", () => {
    const artifact = finish().payload.output_task_output as Record<string, unknown>;
    expect(ArtifactSchema.safeParse({ ...artifact, type: "BooleanArtifact" }).success).toBe(false);
    expect(ArtifactSchema.safeParse({ ...artifact, value: 5 }).success).toBe(false);
    expect(ArtifactSchema.safeParse({ ...artifact, id: "not-hex" }).success).toBe(false);
  });

  it("a publish with a wrong artifact type is refused with reason schema and a path into the artifact", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver }));
    const payload = finish().payload;
    (payload.output_task_output as Record<string, unknown>).type = "PictureArtifact";
    let caught: unknown;
    try {
      bus.publishEvent(payload as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEventError);
    expect((caught as InvalidEventError).reason).toBe("schema");
    expect((caught as InvalidEventError).issues.some((i) => i.path[0] === "output_task_output")).toBe(true);
    expect(driver.records).toHaveLength(0);
  });

  it.each([
    ["with dashes", "4f0c3d2e-9b8a-4c6d-8e7f-1a2b3c4d5e6f"],
    ["upper case", "4F0C3D2E9B8A4C6D8E7F1A2B3C4D5E6F"],
    ["too short", "4f0c3d2e9b8a"],
    ["not hex", "zz0c3d2e9b8a4c6d8e7f1a2b3c4d5e6f"],
  ])("a bad event id (%s) fails the event schema and publish", (_, id) => {
    const payload = { ...clone(userPost[0]!.payload), id };
    expect(TextChunkEventSchema.safeParse(payload).success).toBe(false);
    const bus = new EventBus();
    expect(() => bus.publishEvent(payload as never)).toThrow(InvalidEventError);
  });

  it("a system event missing its status fails both detail schemas", () => {
    for (const detail of systemEvents) {
      const copy = clone(detail);
      delete copy.payload.status;
      expect(SystemEventDetailSchema.safeParse(copy).success).toBe(false);
      expect(EventDetailSchema.safeParse(copy).success).toBe(false);
    }
  });

  it("a system event with a status of another event fails", () => {
    const starting = clone(systemEvents[0]!);
    starting.payload.status = "RUNNING";
    expect(SystemEventDetailSchema.safeParse(starting).success).toBe(false);
  });

  it("a malformed POST body fails", () => {
    expect(UserEventsPostBodySchema.safeParse(userPost[0]).success).toBe(false);
    const { payload: _payload, ...noPayload } = clone(userPost[0]!);
    expect(UserEventEnvelopeSchema.safeParse(noPayload).success).toBe(false);
    expect(UserEventsPostBodySchema.safeParse([noPayload]).success).toBe(false);
    expect(UserEventEnvelopeSchema.safeParse({ ...clone(userPost[0]!), timestamp: "now" }).success).toBe(false);
  });
});
