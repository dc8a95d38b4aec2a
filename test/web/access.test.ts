// Access to the web view in a real browser: the one-time token, the session cookie, refused and reused tokens,
// DNS rebinding, and a page on another local port that tries to use the cookie.
import { createServer, type Server } from "node:http";
import { pino } from "pino";
import type { Request } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../runtime/emulator-harness.js";
import { launchChromium, newContext, pageErrors } from "./browser.js";

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  expect(pageErrors.splice(0)).toEqual([]);
});

describe("web view access in a browser", () => {
  it("the printed link opens the page; the token leaves the address bar; the cookie is HttpOnly and SameSite=Strict; no secret in the page or any later URL", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun({ structureId: "greeter" });
    const link = emulator.webViewUrl() ?? "";
    const token = new URL(link).searchParams.get("token") ?? "";
    const context = await newContext(await launchChromium());
    const page = await context.newPage();
    const requests: Request[] = [];
    page.on("request", (r) => requests.push(r));

    await page.goto(link);
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    await page.locator(`tr[data-run="${run.structure_run_id}"]`).waitFor();
    expect(page.url()).toBe(`${emulator.url}/`);

    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    const cookie = cookies[0]!;
    expect(cookie).toMatchObject({
      name: `sre-web-${new URL(emulator.url).port}`,
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
    });
    expect(await page.evaluate("document.cookie")).toBe("");

    const html = await page.content();
    for (const secret of [emulator.apiKey, run.apiKey, token, cookie.value]) expect(html).not.toContain(secret);
    expect(requests.length).toBeGreaterThan(3);
    for (const r of requests.slice(1)) expect(r.url()).not.toContain(token);
    for (const r of requests) {
      expect(r.url()).not.toContain(emulator.apiKey);
      expect(r.url().startsWith(`${emulator.url}/`), r.url()).toBe(true);
      expect(await r.headerValue("authorization")).toBeNull();
    }

    // A reload keeps the session (the address no longer holds the token).
    await page.reload();
    await page.locator(`tr[data-run="${run.structure_run_id}"]`).waitFor();
  });

  it("a reused token (another browser profile) gets the 'already used' page and no access; a wrong one gets 'not valid'", async () => {
    const emulator = await startEmulator();
    const link = emulator.webViewUrl() ?? "";
    const browser = await launchChromium();
    const first = await (await newContext(browser)).newPage();
    await first.goto(link);
    await first.getByRole("heading", { name: "Runs", level: 1 }).waitFor();

    const second = await (await newContext(browser)).newPage();
    const reused = await second.goto(link);
    expect(reused?.status()).toBe(403);
    expect(await second.getByRole("heading", { level: 1 }).textContent()).toBe("This link was already used");
    expect(await second.evaluate("fetch('/api/structure-runs').then((r) => r.status)")).toBe(401);

    const wrong = await second.goto(`${emulator.url}/?token=${"A".repeat(43)}`);
    expect(wrong?.status()).toBe(403);
    expect(await second.getByRole("heading", { level: 1 }).textContent()).toBe("This link is not valid");

    const none = await second.goto(`${emulator.url}/`);
    expect(none?.status()).toBe(401);
    expect(await second.getByRole("heading", { level: 1 }).textContent()).toBe("This page needs its link");
  });

  it("DNS rebinding: a name that resolves to 127.0.0.1 is refused, and the token it carried stays unspent", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const link = new URL(emulator.webViewUrl() ?? "");
    // The browser resolves rebind.test to the emulator's address, as an attacker's DNS would after rebinding.
    const browser = await launchChromium(["--host-resolver-rules=MAP rebind.test 127.0.0.1"]);
    const page = await (await newContext(browser)).newPage();
    const rebound = `http://rebind.test:${link.port}`;
    const refused = await page.goto(`${rebound}/${link.search}`);
    expect(refused?.status()).toBe(403);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(
      "Refused: this is not the emulator's address",
    );
    // The same-origin request the attacker's page would make (it has no key; the API refuses the name anyway).
    const api = await page.evaluate(`fetch("/api/structure-runs/${run.structure_run_id}").then((r) => r.status)`);
    expect(api).toBe(403);

    const ok = await page.goto(link.href);
    expect(ok?.status()).toBe(200);
  });

  it("a page on another port of 127.0.0.1 (the same site: the cookie goes along) cannot read with the cookie", async () => {
    // The emulator's debug log says when it refused the cookie, and why: the browser's own Sec-Fetch-Site.
    const lines: { msg: string; fetchSite?: string }[] = [];
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => lines.push(JSON.parse(line) as { msg: string; fetchSite?: string }) },
    );
    const emulator = await startEmulator({ logger });
    const run = emulator.createRun();
    const context = await newContext(await launchChromium());
    const page = await context.newPage();
    await page.goto(emulator.webViewUrl() ?? "");
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();

    // Another local server (a dev server, a hostile tool) whose page tries the emulator with the user's cookie.
    const target = `${emulator.url}/api/structure-runs/${run.structure_run_id}/events`;
    const attacker = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<script>window.results = Promise.all([` +
          `fetch(${JSON.stringify(target)}, {credentials: "include"}).then((r) => r.status, (e) => e.name),` +
          `fetch(${JSON.stringify(target)}, {credentials: "include", mode: "no-cors"}).then((r) => r.type, (e) => e.name),` +
          `]);</script>`,
      );
    });
    servers.push(attacker);
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    const port = (attacker.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    // Neither request gives the page anything: CORS and the emulator's Cross-Origin-Resource-Policy stop both.
    expect(await page.evaluate("window.results")).toEqual(["TypeError", "TypeError"]);
    // And the emulator itself refused them, though each carried a live session cookie.
    const refused = () => lines.filter((l) => l.msg.startsWith("refused the web view's session cookie"));
    await expect.poll(() => refused().length).toBe(2);
    expect(refused().map((l) => l.fetchSite)).toEqual(["same-site", "same-site"]);
  });
});
