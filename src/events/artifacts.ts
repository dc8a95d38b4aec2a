import * as z from "zod";
import { InvalidArtifactError, InvalidEventError } from "../errors.js";
import { newEventId } from "./ids.js";
import { assertJsonValue } from "./json-check.js";
import { EventIdSchema, JsonObjectSchema, JsonValueSchema } from "./json-value.js";

// Artifacts as the Griptape Python framework writes them (see docs/wire-format.md). Strict: the framework's
// reader builds each artifact with its class's constructor, which raises TypeError on a key it does not know.

const artifactId = EventIdSchema;

/** Where an artifact's content came from: the framework's `Reference`, strict like the artifact holding it. */
export const ReferenceSchema = z.strictObject({
  type: z.literal("Reference").default("Reference"),
  id: z.string().default(() => newEventId()),
  title: z.string(),
  authors: z.array(z.string()).default(() => []),
  source: z.string().nullable().default(null),
  year: z.string().nullable().default(null),
  url: z.string().nullable().default(null),
});
export type Reference = z.output<typeof ReferenceSchema>;

function artifactShape<T extends string>(type: T) {
  return {
    type: z.literal(type),
    id: artifactId,
    reference: ReferenceSchema.nullable(),
    meta: JsonObjectSchema,
    name: z.string(),
  };
}

export const TextArtifactSchema = z.strictObject({ ...artifactShape("TextArtifact"), value: z.string() });
export const JsonArtifactSchema = z.strictObject({ ...artifactShape("JsonArtifact"), value: JsonValueSchema });
export const BooleanArtifactSchema = z.strictObject({ ...artifactShape("BooleanArtifact"), value: z.boolean() });
export const BlobArtifactSchema = z.strictObject({ ...artifactShape("BlobArtifact"), value: z.base64() });
export const ErrorArtifactSchema = z.strictObject({ ...artifactShape("ErrorArtifact"), value: z.string() });

type ScalarArtifactSchema =
  | typeof TextArtifactSchema
  | typeof JsonArtifactSchema
  | typeof BooleanArtifactSchema
  | typeof BlobArtifactSchema
  | typeof ErrorArtifactSchema;

/** A list of artifacts. The framework writes `item_separator` ("\n\n") and `validate_uniform_types` (false). */
export interface ListArtifact {
  type: "ListArtifact";
  id: string;
  reference: Reference | null;
  meta: z.output<typeof JsonObjectSchema>;
  name: string;
  value: Artifact[];
  item_separator: string;
  validate_uniform_types: boolean;
}

/** A `ListArtifact` as accepted at publish: the two list settings default to the framework's. */
export interface ListArtifactInput {
  type: "ListArtifact";
  id: string;
  reference: z.input<typeof ReferenceSchema> | null;
  meta: z.input<typeof JsonObjectSchema>;
  name: string;
  value: readonly ArtifactInput[];
  item_separator?: string | undefined;
  validate_uniform_types?: boolean | undefined;
}

export type TextArtifact = z.output<typeof TextArtifactSchema>;
export type JsonArtifact = z.output<typeof JsonArtifactSchema>;
export type BooleanArtifact = z.output<typeof BooleanArtifactSchema>;
export type BlobArtifact = z.output<typeof BlobArtifactSchema>;
export type ErrorArtifact = z.output<typeof ErrorArtifactSchema>;

/** Any artifact, in wire form. */
export type Artifact = z.output<ScalarArtifactSchema> | ListArtifact;
/** Any artifact as accepted at publish. */
export type ArtifactInput = z.input<ScalarArtifactSchema> | ListArtifactInput;

// The recursive member is typed by hand (the interfaces above); every other type here is inferred.
export const ListArtifactSchema: z.ZodType<ListArtifact, ListArtifactInput> = z.strictObject({
  ...artifactShape("ListArtifact"),
  value: z.array(z.lazy(() => ArtifactSchema)),
  item_separator: z.string().default("\n\n"),
  validate_uniform_types: z.boolean().default(false),
}) as unknown as z.ZodType<ListArtifact, ListArtifactInput>;

/** Any artifact, discriminated on `type`. */
export const ArtifactSchema: z.ZodType<Artifact, ArtifactInput> = z.discriminatedUnion(
  "type",
  [
    TextArtifactSchema,
    JsonArtifactSchema,
    BooleanArtifactSchema,
    BlobArtifactSchema,
    ErrorArtifactSchema,
    ListArtifactSchema as unknown as z.ZodObject<{ type: z.ZodLiteral<"ListArtifact"> }>,
  ],
  // zod types this union's issues as invalid_union only, but a non-object input is reported as invalid_type.
  { error: (issue) => ((issue.code as string) === "invalid_type" ? artifactExpected(issue.input) : undefined) },
) as unknown as z.ZodType<Artifact, ArtifactInput>;

function artifactExpected(input: unknown): string {
  const what = "an artifact, which toArtifact(value) makes";
  if (input === undefined) return `is required (${what})`;
  if (input === null) return `may not be null (${what})`;
  return `expected ${what}`;
}

export type ArtifactType = Artifact["type"];
export const ARTIFACT_TYPES: ReadonlySet<string> = new Set<ArtifactType>([
  "TextArtifact",
  "JsonArtifact",
  "BooleanArtifact",
  "BlobArtifact",
  "ErrorArtifact",
  "ListArtifact",
]);

/**
 * An artifact as the Python framework writes it (`to_dict`): `{type, id, reference, meta, name, value}`, in that
 * order, the name defaulting to the id. Internal: the package's own builders (toArtifact, the adapters) use it.
 */
export function makeArtifact(type: Exclude<ArtifactType, "ListArtifact">, value: unknown, name?: string): Artifact {
  const id = newEventId();
  return { type, id, reference: null, meta: {}, name: name ?? id, value } as Artifact;
}

/** A ListArtifact with the two fields Python's `ListArtifact.to_dict` always writes beside the value. Internal. */
export function makeListArtifact(items: Artifact[], name?: string): ListArtifact {
  const id = newEventId();
  return {
    type: "ListArtifact",
    id,
    reference: null,
    meta: {},
    name: name ?? id,
    value: items,
    item_separator: "\n\n",
    validate_uniform_types: false,
  };
}

/** A TextArtifact of `value`, as the framework makes one (`TextArtifact(value)`). */
export function textArtifact(value: string): TextArtifact {
  return makeArtifact("TextArtifact", value) as TextArtifact;
}

/**
 * Wraps a value in the artifact the Python framework would produce (see docs/wire-format.md):
 * string → TextArtifact, boolean → BooleanArtifact, array → ListArtifact (each item mapped),
 * Uint8Array/Buffer → BlobArtifact (base64), Error → ErrorArtifact (its message), an artifact → itself
 * (a ListArtifact's settings filled in), any other JSON value (object, number, null; undefined counts as null)
 * → JsonArtifact. Throws `InvalidArtifactError` (code `ERR_INVALID_ARTIFACT`) for what JSON cannot carry.
 */
export function toArtifact(value: string): TextArtifact;
export function toArtifact(value: boolean): BooleanArtifact;
export function toArtifact(value: Uint8Array): BlobArtifact;
export function toArtifact(value: Error): ErrorArtifact;
export function toArtifact(value: readonly unknown[]): ListArtifact;
export function toArtifact(value: unknown): Artifact;
export function toArtifact(value: unknown): Artifact {
  // Arrays are mapped item by item, so a cycle through one must be found before the recursion.
  if (Array.isArray(value)) assertArtifactValue(value);
  return artifactOf(value);
}

function artifactOf(value: unknown): Artifact {
  if (typeof value === "string") return makeArtifact("TextArtifact", value);
  if (typeof value === "boolean") return makeArtifact("BooleanArtifact", value);
  if (value instanceof Uint8Array) {
    return makeArtifact(
      "BlobArtifact",
      Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    );
  }
  if (value instanceof Error) return makeArtifact("ErrorArtifact", value.message || value.name);
  if (Array.isArray(value)) return makeListArtifact(value.map(artifactOf));
  if (isArtifactLike(value)) {
    const parsed = ArtifactSchema.safeParse(value);
    if (!parsed.success) {
      throw new InvalidArtifactError(`not a valid ${value.type}: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }
  const json = value === undefined ? null : value;
  assertArtifactValue(json);
  // A JSON round trip turns class instances and Dates into the plain data that will be sent.
  return makeArtifact("JsonArtifact", JSON.parse(JSON.stringify(json)) as unknown);
}

function assertArtifactValue(value: unknown): void {
  try {
    assertJsonValue(value, "output");
  } catch (error) {
    if (error instanceof InvalidEventError) throw new InvalidArtifactError(error.message, { cause: error });
    throw error;
  }
}

/** An object with a `value` whose `type` names an artifact type: validated as one rather than wrapped as JSON. */
export function isArtifactLike(value: unknown): value is { type: ArtifactType; value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === "string" &&
    ARTIFACT_TYPES.has((value as { type: string }).type) &&
    "value" in value
  );
}
