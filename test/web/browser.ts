// Debian's chromium driven by playwright-core (the browser is installed by apt, never downloaded by playwright).
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from "playwright-core";
import { afterAll } from "vitest";

export const CHROMIUM = "/usr/bin/chromium";

/** Where tests save screenshots of the views, to look at while working on the page (never compared). */
export const SCREENSHOTS = join(tmpdir(), "structure-run-events-web");

/**
 * Without the background-networking flags chromium reaches for hosts this closed network refuses. Each launch
 * gets a fresh profile (playwright makes a new --user-data-dir for every `launch()` and removes it on close).
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const browsers: Browser[] = [];

afterAll(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close()));
});

/** A browser for this test file, closed after it. `args` adds chromium flags (e.g. host resolver rules). */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...args] });
  browsers.push(browser);
  return browser;
}

/** A fresh context (its own cookies, as a separate browser profile would have) that fails the test on page errors. */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.on("page", (page) => {
    page.on("pageerror", (err) => pageErrors.push(err.message));
  });
  return context;
}

/** Uncaught errors thrown in any page; tests assert this stays empty. */
export const pageErrors: string[] = [];
