import { type Artifact, makeArtifact } from "../events/artifacts.js";

/**
 * What a tool returned (or threw), as the artifact an ActionsSubtask puts in its output: an error becomes an
 * ErrorArtifact with its message, text a TextArtifact, a boolean a BooleanArtifact, anything else a JsonArtifact of
 * what JSON.stringify makes of it (what the SDK itself sends back to the model).
 */
export function toolOutputArtifact(tag: string, output: unknown, isError: boolean): Artifact {
  const name = `${tag} output`;
  try {
    return outputArtifact(output, isError, name);
  } catch (error) {
    // A result that resists being read (a Proxy whose traps throw): that is the call's outcome. Thrown from here it
    // would end the stream, and the step's ActionsSubtask events would never be published.
    return makeArtifact("ErrorArtifact", `the tool's output cannot be read: ${errorMessage(error)}`, name);
  }
}

function outputArtifact(output: unknown, isError: boolean, name: string): Artifact {
  if (isError || output instanceof Error) return makeArtifact("ErrorArtifact", errorMessage(output), name);
  if (typeof output === "string") return makeArtifact("TextArtifact", output, name);
  if (typeof output === "boolean") return makeArtifact("BooleanArtifact", output, name);
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch (error) {
    return makeArtifact("ErrorArtifact", `the tool's output cannot be sent as JSON: ${errorMessage(error)}`, name);
  }
  return makeArtifact("JsonArtifact", json === undefined ? null : (JSON.parse(json) as unknown), name);
}

/** An artifact's text, as Python's `to_text()` gives it (for the prompt stack of a later step). */
export function artifactText(artifact: Artifact): string {
  const value: unknown = artifact.value;
  if (typeof value === "string") return value;
  if (artifact.type === "ListArtifact") return artifact.value.map(artifactText).join("\n\n");
  return JSON.stringify(value) ?? "";
}

/** A thrown value's message, for an ErrorArtifact: never the stack, never `[object Object]`, never a throw. */
export function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message) || error.name;
    if (typeof error === "string") return error;
    return JSON.stringify(error) ?? String(error);
  } catch {
    try {
      return String(error);
    } catch {
      return "an error that cannot be printed";
    }
  }
}

/** JSON text of a value, or undefined for what JSON cannot carry (a cycle, a BigInt, a throwing toJSON). */
export function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
