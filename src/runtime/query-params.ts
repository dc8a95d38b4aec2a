import { ApiError } from "./api-error.js";

/**
 * A non-negative integer query parameter of a paged route (`offset`, `limit`), or `fallback` when absent. Anything
 * else is a 400 `invalid_query` that quotes at most 40 characters of what was sent.
 */
export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  // At most 15 digits: every such number is a safe integer, and no offset gets near it.
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ApiError(400, "invalid_query", `query parameter ${name} must be a non-negative integer`, {
      issues: [{ path: [name], message: `expected a non-negative integer, received "${raw.slice(0, 40)}"` }],
    });
  }
  return Number(raw);
}
