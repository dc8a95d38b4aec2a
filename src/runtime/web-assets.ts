import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { PAGE_SECURITY_HEADERS } from "./web-pages.js";

/**
 * The page's compiled scripts, stylesheet and icon. From `dist/runtime/` (the package) and from `src/runtime/`
 * (tests run the sources) alike, `../../dist/web/` is the package's `dist/web/`, where `npm run build` puts them.
 */
export const WEB_ASSETS_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** A flat name with a known extension: no path separator, no `..`, so a request cannot leave the folder. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

/**
 * Serves `/assets/<name>` from `WEB_ASSETS_DIR`, each file read once and kept (they are small and never change
 * while the process runs). Public: they hold the package's code, no data and no secret.
 */
export class WebAssets {
  readonly #dir: string;
  readonly #cache = new Map<string, Promise<Buffer | undefined>>();

  constructor(dir: string = WEB_ASSETS_DIR) {
    this.#dir = dir;
  }

  /** Resolves true when the asset was sent, false when there is no such asset (the caller answers 404). */
  async send(res: ServerResponse, name: string): Promise<boolean> {
    const ext = ASSET_NAME.exec(name)?.[1];
    if (ext === undefined) return false;
    const bytes = await this.#load(name);
    if (bytes === undefined) return false;
    res.writeHead(200, {
      ...PAGE_SECURITY_HEADERS,
      "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream",
      "content-length": bytes.length,
      // Revalidated on each load: a rebuilt page never runs against stale modules.
      "cache-control": "no-cache",
    });
    res.end(bytes);
    return true;
  }

  /** Is the page's entry script there? */
  async built(): Promise<boolean> {
    return (await this.#load("main.js")) !== undefined;
  }

  #load(name: string): Promise<Buffer | undefined> {
    let body = this.#cache.get(name);
    if (body === undefined) {
      body = readFile(`${this.#dir}${name}`).catch(() => {
        // A miss is not kept: a build running next to a live emulator may add the file.
        this.#cache.delete(name);
        return undefined;
      });
      this.#cache.set(name, body);
    }
    return body;
  }
}
