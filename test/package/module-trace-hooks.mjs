// Module hooks for the root-import test: every module URL Node resolves is appended to the file named in `data`.
// Written synchronously, so nothing is lost when the traced process exits.
import { appendFileSync } from "node:fs";

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(file, `${result.url}\n`);
  return result;
}
