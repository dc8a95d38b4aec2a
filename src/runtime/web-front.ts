import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import { isAllowedHost, isLoopbackAddress } from "./host-check.js";
import { WebAccess } from "./web-access.js";
import { WebAssets } from "./web-assets.js";
import { APP_SHELL, MESSAGE_PAGES, type MessagePage, renderMessagePage, sendHtml } from "./web-pages.js";

/** Sent with every answer, API included: no content sniffing, no embedding by another origin. */
const HARDENING_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "same-origin",
};

/**
 * What the emulator's server does before the Events API router sees a request (see docs/local-runtime.md):
 *
 * - The DNS-rebinding guard, for every route: while bound to a loopback address, a request whose `Host` names
 *   anything but that address or `localhost` is refused (403). The API routes are guarded too: bearer keys
 *   protect them from other sites, but a rebound name must not even reach them. Bound elsewhere (`--host
 *   0.0.0.0`, an explicit choice to be reachable from the network), no `Host` is refused.
 * - The web view's own routes, served on loopback only: `/` (the page, or the one-time token exchange, or a plain
 *   page saying why not) and `/assets/<name>`.
 *
 * Everything else goes on to the router, which accepts the session cookie for GETs through `allowsRead`.
 */
export class WebFront {
  readonly #access = new WebAccess();
  readonly #assets = new WebAssets();
  readonly #logger: Logger;
  #boundAddress: string | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Called once the server listens: the address it is bound to decides the Host rule and whether the page is served. */
  listening(address: string, port: number): void {
    this.#boundAddress = address;
    this.#access.setPort(port);
  }

  get #loopback(): boolean {
    return this.#boundAddress !== undefined && isLoopbackAddress(this.#boundAddress);
  }

  /**
   * A link to the web view with a fresh one-time token, opening the run `runId` when given; undefined when the
   * emulator is not bound to loopback (the page is not served then).
   */
  link(baseUrl: string, runId?: string): string | undefined {
    if (!this.#loopback) return undefined;
    const hash = runId === undefined ? "" : `#/runs/${encodeURIComponent(runId)}`;
    return `${baseUrl}/?token=${this.#access.mintToken()}${hash}`;
  }

  /** May this API request use the session cookie in place of a bearer key? (GETs from the page only.) */
  allowsRead(req: IncomingMessage): boolean {
    if (!this.#loopback) return false;
    const access = this.#access.readAccess(req);
    if (access === "other-origin") {
      this.#logger.debug(
        { fetchSite: req.headers["sec-fetch-site"], origin: req.headers.origin },
        "refused the web view's session cookie on a request another origin sent",
      );
    }
    return access === "granted";
  }

  /** Answers the request and returns true when it is refused or is the web view's; false: the router answers. */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    for (const [name, value] of Object.entries(HARDENING_HEADERS)) res.setHeader(name, value);
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    // A refused request's body is not read: the connection closes after the answer rather than drain it.
    const refuse = (): void => {
      if (!req.complete) res.setHeader("connection", "close");
    };
    if (this.#loopback && !isAllowedHost(req.headers.host, this.#boundAddress!)) {
      refuse();
      this.#logger.debug({ host: req.headers.host, method: req.method }, "refused a request naming another host");
      this.#refuseHost(res, path);
      return true;
    }
    if (path !== "/" && !path.startsWith("/assets/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      refuse();
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("method not allowed: the web view's routes only answer GET\n");
      return true;
    }
    const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
    const answer = path === "/" ? this.#page(req, res, query) : this.#asset(res, path.slice("/assets/".length));
    answer.catch((err: unknown) => {
      // The URL is not logged: it may hold a token.
      this.#logger.error({ err, path: path === "/" ? "/" : "/assets/…" }, "web view request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end();
    });
    return true;
  }

  async #page(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (!this.#loopback) return this.#message(res, MESSAGE_PAGES.notLoopback);
    // Checked before a token is spent, so a token is never used up on a page that cannot load.
    if (!(await this.#assets.built())) return this.#message(res, MESSAGE_PAGES.notBuilt);
    if (this.#access.hasSession(req)) return sendHtml(res, 200, APP_SHELL);
    const token = query.get("token");
    // A HEAD (a link checker, a preview) never spends a token: only the browser that opens the link does.
    if (token === null || req.method === "HEAD") return this.#message(res, MESSAGE_PAGES.noToken);
    const exchanged = this.#access.exchange(token);
    if (!exchanged.ok) {
      return this.#message(res, exchanged.reason === "used" ? MESSAGE_PAGES.usedToken : MESSAGE_PAGES.unknownToken);
    }
    // The page itself is the answer (no redirect): the page then drops the token from the address bar. A redirect
    // would lose the cookie when the link was opened from another site, as a SameSite=Strict cookie is not sent
    // on a redirect chain that another site started.
    sendHtml(res, 200, APP_SHELL, { "set-cookie": this.#access.cookie(exchanged.session) });
  }

  async #asset(res: ServerResponse, name: string): Promise<void> {
    if (!this.#loopback) return this.#message(res, MESSAGE_PAGES.notLoopback);
    if (!(await this.#assets.send(res, name))) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("no such asset\n");
    }
  }

  #message(res: ServerResponse, page: MessagePage): void {
    sendHtml(res, page.status, renderMessagePage(page));
  }

  #refuseHost(res: ServerResponse, path: string): void {
    const page = MESSAGE_PAGES.foreignHost;
    if (!path.startsWith("/api/")) {
      this.#message(res, page);
      return;
    }
    const json = JSON.stringify({
      error: {
        code: "forbidden",
        message:
          "this emulator only answers requests whose Host is its loopback address or localhost (DNS rebinding guard)",
      },
    });
    res.writeHead(403, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(json),
    });
    res.end(json);
  }
}
