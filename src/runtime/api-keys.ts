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

/** The key of an `Authorization: Bearer <key>` header, or undefined when absent or of another scheme. */
export function bearerKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
