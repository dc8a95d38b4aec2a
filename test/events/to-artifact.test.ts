import { describe, expect, it } from "vitest";
import {
  type Artifact,
  ArtifactSchema,
  InvalidArtifactError,
  type ListArtifact,
  StructureRunEventsError,
  toArtifact,
} from "../../src/index.js";

const HEX32 = /^[0-9a-f]{32}$/;

function expectWellFormed(artifact: Artifact): void {
  const keys = ["type", "id", "reference", "meta", "name", "value"];
  // The Python framework writes a list's two settings too.
  if (artifact.type === "ListArtifact") keys.push("item_separator", "validate_uniform_types");
  expect(Object.keys(artifact)).toEqual(keys);
  if (artifact.type === "ListArtifact") {
    expect(artifact.item_separator).toBe("\n\n");
    expect(artifact.validate_uniform_types).toBe(false);
  }
  expect(artifact.id).toMatch(HEX32);
  expect(artifact.name).toBe(artifact.id);
  expect(artifact.reference).toBeNull();
  expect(artifact.meta).toEqual({});
  expect(ArtifactSchema.safeParse(artifact).success).toBe(true);
}

function expectInvalid(value: unknown): InvalidArtifactError {
  let caught: unknown;
  try {
    toArtifact(value);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArtifactError);
  expect(caught).toBeInstanceOf(StructureRunEventsError);
  expect((caught as InvalidArtifactError).code).toBe("ERR_INVALID_ARTIFACT");
  return caught as InvalidArtifactError;
}

describe("toArtifact", () => {
  it("maps a string to a TextArtifact", () => {
    const a = toArtifact("Hello");
    expectWellFormed(a);
    expect(a.type).toBe("TextArtifact");
    expect(a.value).toBe("Hello");
  });

  it("maps the empty string to a TextArtifact too", () => {
    const a = toArtifact("");
    expect(a.type).toBe("TextArtifact");
    expect(a.value).toBe("");
  });

  it.each([true, false])("maps %s to a BooleanArtifact", (b) => {
    const a = toArtifact(b);
    expectWellFormed(a);
    expect(a.type).toBe("BooleanArtifact");
    expect(a.value).toBe(b);
  });

  it("maps an array to a ListArtifact of artifacts, nested arrays included", () => {
    const a = toArtifact(["x", [true, 3], { k: 1 }]);
    expectWellFormed(a);
    expect(a.type).toBe("ListArtifact");
    const items = (a as ListArtifact).value;
    expect(items.map((i) => i.type)).toEqual(["TextArtifact", "ListArtifact", "JsonArtifact"]);
    expect(items[0]!.value).toBe("x");
    const inner = (items[1] as ListArtifact).value;
    expect(inner.map((i) => [i.type, i.value])).toEqual([
      ["BooleanArtifact", true],
      ["JsonArtifact", 3],
    ]);
    expect(items[2]!.value).toEqual({ k: 1 });
    for (const item of [...items, ...inner]) expectWellFormed(item);
    // Every artifact has its own id.
    const ids = [a.id, ...items.map((i) => i.id), ...inner.map((i) => i.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("maps an empty array to an empty ListArtifact", () => {
    const a = toArtifact([]);
    expect(a.type).toBe("ListArtifact");
    expect(a.value).toEqual([]);
  });

  it("maps a Uint8Array to a base64 BlobArtifact that round-trips", () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 128]);
    const a = toArtifact(bytes);
    expectWellFormed(a);
    expect(a.type).toBe("BlobArtifact");
    expect(a.value).toBe(Buffer.from(bytes).toString("base64"));
    expect(new Uint8Array(Buffer.from(a.value as string, "base64"))).toEqual(bytes);
  });

  it("encodes only a Uint8Array's own view of its buffer", () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const view = backing.subarray(2, 5);
    const a = toArtifact(view);
    expect(Buffer.from(a.value as string, "base64")).toEqual(Buffer.from([1, 2, 3]));
  });

  it("maps a Buffer (pooled, with a byte offset) to a base64 BlobArtifact that round-trips", () => {
    const buf = Buffer.from("héllo, wörld");
    const a = toArtifact(buf);
    expectWellFormed(a);
    expect(a.type).toBe("BlobArtifact");
    expect(a.value).toBe(buf.toString("base64"));
    expect(Buffer.from(a.value as string, "base64").toString("utf8")).toBe("héllo, wörld");
  });

  it("maps an Error to an ErrorArtifact carrying its message", () => {
    const a = toArtifact(new TypeError("boom"));
    expectWellFormed(a);
    expect(a.type).toBe("ErrorArtifact");
    expect(a.value).toBe("boom");
  });

  it("maps an Error without a message to an ErrorArtifact with a non-empty value", () => {
    const a = toArtifact(new RangeError());
    expect(a.type).toBe("ErrorArtifact");
    expect(typeof a.value).toBe("string");
    expect((a.value as string).length).toBeGreaterThan(0);
  });

  it("maps a plain object to a JsonArtifact of the same data", () => {
    const input = { a: 1, b: ["x", null], c: { d: true } };
    const a = toArtifact(input);
    expectWellFormed(a);
    expect(a.type).toBe("JsonArtifact");
    expect(a.value).toEqual(input);
    // The artifact does not share the caller's object.
    input.c.d = false;
    expect((a.value as { c: { d: boolean } }).c.d).toBe(true);
  });

  it.each([0, 42, -1.5])("maps the number %s to a JsonArtifact", (n) => {
    const a = toArtifact(n);
    expectWellFormed(a);
    expect(a.type).toBe("JsonArtifact");
    expect(a.value).toBe(n);
  });

  it.each([null, undefined])("maps %s to a JsonArtifact of null", (v) => {
    const a = toArtifact(v);
    expectWellFormed(a);
    expect(a.type).toBe("JsonArtifact");
    expect(a.value).toBeNull();
  });

  it("passes an artifact through unchanged", () => {
    const artifact = {
      type: "TextArtifact",
      id: "6b2c3d4e5f60718293a4b5c6d7e8f90a",
      reference: null,
      meta: { source: "test" },
      name: "greeting",
      value: "Hello",
    };
    const a = toArtifact(artifact);
    expect(a).toEqual(artifact);
    expect(JSON.stringify(a)).toBe(JSON.stringify(artifact));
  });

  it("passes a ListArtifact made by toArtifact through unchanged", () => {
    const list = toArtifact(["a", 1]);
    expect(toArtifact(list)).toEqual(list);
  });

  it("refuses something that claims to be an artifact but is not a valid one", () => {
    expectInvalid({ type: "TextArtifact", id: "x", reference: null, meta: {}, name: "x", value: 5 });
  });

  it("gives each artifact a fresh 32-hex id equal to its name", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const a = toArtifact(i);
      expect(a.id).toMatch(HEX32);
      expect(a.name).toBe(a.id);
      ids.add(a.id);
    }
    expect(ids.size).toBe(100);
  });

  it("throws InvalidArtifactError for a BigInt", () => {
    expectInvalid(10n);
    expectInvalid({ n: 10n });
    expectInvalid([1, 10n]);
  });

  it("throws InvalidArtifactError for a function", () => {
    expectInvalid(() => 1);
    expectInvalid({ f: () => 1 });
  });

  it("throws InvalidArtifactError for an object cycle", () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    expectInvalid(o);
  });

  it("throws InvalidArtifactError for an array cycle", () => {
    const arr: unknown[] = ["a"];
    arr.push(arr);
    expectInvalid(arr);
  });
});
