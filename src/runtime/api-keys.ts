import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** A fresh bearer key: 256 random bits, base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Keys are kept and compared as SHA-256 digests: equal length, so timingSafeEqual applies, and a Map keyed by
 * digest finds a run's key without comparing secrets character by character.
 */
export function keyDigest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}

export type PresentedKey = { kind: "missing" } | { kind: "malformed" } | { kind: "key"; key: string };

/**
 * What an `Authorization` header presents: nothing, a `Bearer <key>` with the key as one token of visible ASCII,
 * or anything else (another scheme, no key, `Bearer a b`), which is malformed rather than missing.
 */
export function bearerKey(req: IncomingMessage): PresentedKey {
  const header = req.headers.authorization;
  if (header === undefined) return { kind: "missing" };
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  return match?.[1] === undefined ? { kind: "malformed" } : { kind: "key", key: match[1] };
}
