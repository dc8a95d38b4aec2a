import * as z from "zod";
import { InvalidArtifactError, InvalidEventError } from "../errors.js";
import { newEventId } from "./ids.js";
import { assertJsonValue } from "./json-check.js";

const hexId = z.string().regex(/^[0-9a-f]{32}$/, "expected 32 lower-case hex characters");

function artifactShape<T extends string, V extends z.ZodType>(type: T, value: V) {
  return z.looseObject({
    type: z.literal(type),
    id: hexId,
    reference: z.record(z.string(), z.unknown()).nullable(),
    meta: z.record(z.string(), z.unknown()),
    name: z.string(),
    value,
  });
}

export const TextArtifactSchema = artifactShape("TextArtifact", z.string());
export const JsonArtifactSchema = artifactShape("JsonArtifact", z.json());
export const BooleanArtifactSchema = artifactShape("BooleanArtifact", z.boolean());
export const BlobArtifactSchema = artifactShape("BlobArtifact", z.base64());
export const ErrorArtifactSchema = artifactShape("ErrorArtifact", z.string());

export interface ListArtifact {
  type: "ListArtifact";
  id: string;
  reference: Record<string, unknown> | null;
  meta: Record<string, unknown>;
  name: string;
  value: Artifact[];
  [extra: string]: unknown;
}

export type Artifact =
  | z.infer<typeof TextArtifactSchema>
  | z.infer<typeof JsonArtifactSchema>
  | z.infer<typeof BooleanArtifactSchema>
  | z.infer<typeof BlobArtifactSchema>
  | z.infer<typeof ErrorArtifactSchema>
  | ListArtifact;

export const ListArtifactSchema: z.ZodType<ListArtifact> = artifactShape(
  "ListArtifact",
  z.array(z.lazy(() => ArtifactSchema)),
) as z.ZodType<ListArtifact>;

/** Any artifact, discriminated on `type`. */
export const ArtifactSchema: z.ZodType<Artifact> = z.union([
  TextArtifactSchema,
  JsonArtifactSchema,
  BooleanArtifactSchema,
  BlobArtifactSchema,
  ErrorArtifactSchema,
  ListArtifactSchema,
]);

export type ArtifactType = Artifact["type"];
const ARTIFACT_TYPES = new Set<string>([
  "TextArtifact",
  "JsonArtifact",
  "BooleanArtifact",
  "BlobArtifact",
  "ErrorArtifact",
  "ListArtifact",
]);

function make<T extends ArtifactType>(type: T, value: unknown): Artifact {
  const id = newEventId();
  // Field order and name = id follow the Python framework's to_dict.
  return { type, id, reference: null, meta: {}, name: id, value } as Artifact;
}

/**
 * Wraps a run's output in the artifact the Python framework would produce (DESIGN §1):
 * string → TextArtifact, boolean → BooleanArtifact, array → ListArtifact (each item mapped),
 * Uint8Array/Buffer → BlobArtifact (base64), Error → ErrorArtifact (its message), an artifact → itself,
 * any other JSON value (object, number, null; undefined counts as null) → JsonArtifact.
 * Throws `InvalidArtifactError` (code `ERR_INVALID_ARTIFACT`) for what JSON cannot carry.
 */
export function toArtifact(value: unknown): Artifact {
  // Arrays are mapped item by item, so a cycle through one must be found before the recursion.
  if (Array.isArray(value)) assertArtifactValue(value);
  return artifactOf(value);
}

function artifactOf(value: unknown): Artifact {
  if (typeof value === "string") return make("TextArtifact", value);
  if (typeof value === "boolean") return make("BooleanArtifact", value);
  if (value instanceof Uint8Array) {
    return make("BlobArtifact", Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"));
  }
  if (value instanceof Error) return make("ErrorArtifact", value.message || value.name);
  if (Array.isArray(value)) return make("ListArtifact", value.map(artifactOf));
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
  return make("JsonArtifact", JSON.parse(JSON.stringify(json)) as unknown);
}

function assertArtifactValue(value: unknown): void {
  try {
    assertJsonValue(value, "output");
  } catch (error) {
    if (error instanceof InvalidEventError) throw new InvalidArtifactError(error.message, { cause: error });
    throw error;
  }
}

function isArtifactLike(value: unknown): value is { type: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { type?: unknown }).type === "string" &&
    ARTIFACT_TYPES.has((value as { type: string }).type) &&
    "value" in value
  );
}
