import type { IncomingMessage } from "node:http";
import { generateApiKey, keyDigest } from "./api-keys.js";

/** What a `?token=` in the web view's URL turned out to be. */
export type TokenExchange =
  | { readonly ok: true; readonly session: string }
  | { readonly ok: false; readonly reason: "unknown" | "used" };

/** A token or session id as minted here: 256 random bits, base64url. Anything else is refused unread. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Who may use the web view (see docs/local-runtime.md), as Jupyter does it: the owner prints a link carrying a
 * one-time token; opening it exchanges the token for a session id held in an HttpOnly, SameSite=Strict cookie, so
 * the page's own requests are authenticated without any secret in the page, in its URL or in a log. A token works
 * once; a second browser (or a second person) needs a new link.
 *
 * Tokens and sessions are kept as SHA-256 digests, as API keys are: a lookup never compares secrets
 * character by character, and a memory dump shows no usable value.
 */
export class WebAccess {
  /** Digest (hex) of every token minted → whether it was exchanged already. */
  readonly #tokens = new Map<string, boolean>();
  readonly #sessions = new Set<string>();
  #cookieName = "sre-web";

  /**
   * The cookie's name carries the port: browsers share cookies between every port of a host, and two emulators
   * on 127.0.0.1 must not overwrite each other's session.
   */
  setPort(port: number): void {
    this.#cookieName = `sre-web-${port}`;
  }

  get cookieName(): string {
    return this.#cookieName;
  }

  /** A fresh one-time token. */
  mintToken(): string {
    const token = generateApiKey();
    this.#tokens.set(digest(token), false);
    return token;
  }

  /** Spends `token` for a new session; a token that was never minted, or was spent already, says which. */
  exchange(token: string): TokenExchange {
    const key = SECRET_PATTERN.test(token) ? digest(token) : undefined;
    const used = key === undefined ? undefined : this.#tokens.get(key);
    if (key === undefined || used === undefined) return { ok: false, reason: "unknown" };
    if (used) return { ok: false, reason: "used" };
    this.#tokens.set(key, true);
    const session = generateApiKey();
    this.#sessions.add(digest(session));
    return { ok: true, session };
  }

  /** `Set-Cookie` value for `session`: not readable by scripts, never sent by a request another site starts. */
  cookie(session: string): string {
    return `${this.#cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** Does the request carry a live session cookie? */
  hasSession(req: IncomingMessage): boolean {
    for (const value of cookieValues(req.headers.cookie, this.#cookieName)) {
      if (SECRET_PATTERN.test(value) && this.#sessions.has(digest(value))) return true;
    }
    return false;
  }

  /**
   * May this request read the Events API with its session cookie instead of a bearer key? Only a GET (the page
   * never changes anything; every route that does needs a bearer key, which no other site can make a browser
   * send), only from the page itself: `Sec-Fetch-Site` (set by the browser, not by scripts) must say
   * same-origin when present, and an `Origin` must match the `Host`. SameSite=Strict alone is not enough here:
   * another server on 127.0.0.1 (another port) is the same *site*, so its pages send the cookie too.
   */
  readAccess(req: IncomingMessage): ReadAccess {
    if (req.method !== "GET") return "not-get";
    if (!this.hasSession(req)) return "no-session";
    const fetchSite = req.headers["sec-fetch-site"];
    if (fetchSite !== undefined && fetchSite !== "same-origin") return "other-origin";
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ""}`) return "other-origin";
    return "granted";
  }
}

/** `readAccess`'s verdict: granted, or why not. */
export type ReadAccess = "granted" | "not-get" | "no-session" | "other-origin";

function digest(secret: string): string {
  return keyDigest(secret).toString("hex");
}

/** Every value of cookie `name` in a `Cookie` header (a browser may send several with one name, from other paths). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}
