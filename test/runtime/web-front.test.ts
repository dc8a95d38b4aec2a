// The web view's server side over real HTTP, without a browser: the one-time token exchange, what the session
// cookie may and may not do, the runs list route, and the Host guard. test/web/ has the same in a real browser.
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import type { EventsApiEmulator } from "../../src/local.js";
import { startEmulator } from "./emulator-harness.js";

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request with exactly these headers (fetch would not let a test set Host or Sec-Fetch-*). */
function raw(
  emulator: EventsApiEmulator,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
  body?: string,
): Promise<Raw> {
  const url = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method, headers: { host: url.host, ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function tokenOf(link: string): string {
  return new URL(link).searchParams.get("token") ?? "";
}

/** Exchanges a fresh token; returns the `Cookie` header value the browser would send back. */
async function session(emulator: EventsApiEmulator): Promise<string> {
  const res = await raw(emulator, `/?token=${tokenOf(emulator.webViewUrl() ?? "")}`);
  expect(res.status).toBe(200);
  const setCookie = res.headers["set-cookie"]?.[0] ?? "";
  return setCookie.split(";")[0] ?? "";
}

describe("web view: the one-time token", () => {
  it("webViewUrl() gives a loopback link with a fresh token each call, opening a run when asked", async () => {
    const emulator = await startEmulator();
    const a = new URL(emulator.webViewUrl() ?? "");
    const b = new URL(emulator.webViewUrl("run-1") ?? "");
    expect(`${a.protocol}//${a.host}`).toBe(emulator.url);
    expect(a.pathname).toBe("/");
    expect(tokenOf(a.href)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenOf(b.href)).not.toBe(tokenOf(a.href));
    expect(b.hash).toBe("#/runs/run-1");
    expect(a.href).not.toContain(emulator.apiKey);
  });

  it("is exchanged once for an HttpOnly SameSite=Strict cookie named after the port; the page holds no secret", async () => {
    const emulator = await startEmulator();
    const token = tokenOf(emulator.webViewUrl() ?? "");
    const first = await raw(emulator, `/?token=${token}`);
    expect(first.status).toBe(200);
    expect(first.headers["content-type"]).toBe("text/html; charset=utf-8");
    const cookie = first.headers["set-cookie"]?.[0] ?? "";
    const port = new URL(emulator.url).port;
    expect(cookie).toMatch(new RegExp(`^sre-web-${port}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`));
    expect(first.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(first.headers["content-security-policy"]).toContain("connect-src 'self'");
    expect(first.headers["referrer-policy"]).toBe("no-referrer");
    expect(first.headers["x-frame-options"]).toBe("DENY");
    expect(first.headers["cache-control"]).toBe("no-store");
    expect(first.text).toContain('<script type="module" src="/assets/main.js">');
    for (const secret of [emulator.apiKey, token, cookie.split(";")[0]!.split("=")[1]!]) {
      expect(first.text).not.toContain(secret);
    }

    const again = await raw(emulator, `/?token=${token}`);
    expect(again.status).toBe(403);
    expect(again.text).toContain("This link was already used");
    expect(again.headers["set-cookie"]).toBeUndefined();
  });

  it("a wrong token, a hostile one, or none get their own clear page and no cookie", async () => {
    const emulator = await startEmulator();
    emulator.webViewUrl();
    const cases: [string, number, string][] = [
      ["/?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 403, "This link is not valid"],
      [`/?token=${"x".repeat(5000)}`, 403, "This link is not valid"],
      ["/?token=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 403, "This link is not valid"],
      ["/?token=", 403, "This link is not valid"],
      ["/", 401, "This page needs its link"],
    ];
    for (const [path, status, title] of cases) {
      const res = await raw(emulator, path);
      expect(res.status, path).toBe(status);
      expect(res.text, path).toContain(`<h1>${title}</h1>`);
      expect(res.text, path).not.toContain("<script");
      expect(res.headers["set-cookie"], path).toBeUndefined();
    }
  });

  it("a HEAD request does not spend the token", async () => {
    const emulator = await startEmulator();
    const token = tokenOf(emulator.webViewUrl() ?? "");
    const head = await raw(emulator, `/?token=${token}`, {}, "HEAD");
    expect(head.status).toBe(401);
    expect(head.headers["set-cookie"]).toBeUndefined();
    expect((await raw(emulator, `/?token=${token}`)).status).toBe(200);
  });

  it("with a live session the page opens without a token, and a token is not spent on it", async () => {
    const emulator = await startEmulator();
    const cookie = await session(emulator);
    expect((await raw(emulator, "/", { cookie })).status).toBe(200);
    const token = tokenOf(emulator.webViewUrl() ?? "");
    const withSession = await raw(emulator, `/?token=${token}`, { cookie });
    expect(withSession.status).toBe(200);
    expect(withSession.headers["set-cookie"]).toBeUndefined();
    // The token is still good for the browser it was meant for.
    expect((await raw(emulator, `/?token=${token}`)).status).toBe(200);
  });

  it("another emulator's cookie (same host, other port) is no session here", async () => {
    const a = await startEmulator();
    const b = await startEmulator();
    const cookie = await session(a);
    const renamed = cookie.replace(/^sre-web-\d+/, `sre-web-${new URL(b.url).port}`);
    expect((await raw(b, "/", { cookie: renamed })).status).toBe(401);
  });
});

describe("web view: what the session cookie allows", () => {
  it("reads every run (GETs) as the master key would, and nothing else", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun({ structureId: "s" });
    const cookie = await session(emulator);
    const id = run.structure_run_id;
    const headers = { cookie, "sec-fetch-site": "same-origin" };
    expect((await raw(emulator, `/api/structure-runs/${id}`, headers)).status).toBe(200);
    expect((await raw(emulator, `/api/structure-runs/${id}/events?offset=0`, headers)).status).toBe(200);
    expect((await raw(emulator, "/api/structure-runs", headers)).status).toBe(200);
    const body = JSON.stringify([{ type: "X", timestamp: 1, payload: { type: "X" } }]);
    const json = { ...headers, "content-type": "application/json" };
    expect((await raw(emulator, `/api/structure-runs/${id}/events`, json, "POST", body)).status).toBe(401);
    expect((await raw(emulator, "/api/structures/s/runs", json, "POST", "{}")).status).toBe(401);
    expect(emulator.events(id)).toEqual([]);
  });

  it("is refused when the browser says another site or origin sent the request (CSRF, other local ports)", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const cookie = await session(emulator);
    const path = `/api/structure-runs/${run.structure_run_id}`;
    expect((await raw(emulator, path, { cookie })).status).toBe(200);
    expect((await raw(emulator, path, { cookie, "sec-fetch-site": "none" })).status).toBe(401);
    expect((await raw(emulator, path, { cookie, "sec-fetch-site": "same-site" })).status).toBe(401);
    expect((await raw(emulator, path, { cookie, "sec-fetch-site": "cross-site" })).status).toBe(401);
    expect((await raw(emulator, path, { cookie, origin: "http://127.0.0.1:1" })).status).toBe(401);
    expect((await raw(emulator, path, { cookie, origin: emulator.url })).status).toBe(200);
    expect((await raw(emulator, path, { cookie: "sre-web-1=nope" })).status).toBe(401);
  });
});

describe("the Host guard (DNS rebinding)", () => {
  it("refuses a foreign Host on every route, API included, before a token is spent", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const token = tokenOf(emulator.webViewUrl() ?? "");
    const host = `rebind.example:${new URL(emulator.url).port}`;
    const page = await raw(emulator, `/?token=${token}`, { host });
    expect(page.status).toBe(403);
    expect(page.text).toContain("Refused: this is not the emulator's address");
    expect((await raw(emulator, "/assets/main.js", { host })).status).toBe(403);
    const api = await raw(emulator, `/api/structure-runs/${run.structure_run_id}`, {
      host,
      authorization: `Bearer ${emulator.apiKey}`,
    });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.text)).toMatchObject({ error: { code: "forbidden" } });
    const post = await raw(
      emulator,
      `/api/structure-runs/${run.structure_run_id}/events`,
      { host, authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
      "POST",
      JSON.stringify([{ type: "X", timestamp: 1, payload: { type: "X" } }]),
    );
    expect(post.status).toBe(403);
    expect(emulator.events(run.structure_run_id)).toEqual([]);
    // The token was not spent by the refused request.
    expect((await raw(emulator, `/?token=${token}`)).status).toBe(200);
  });

  it("accepts localhost as the Host", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const res = await raw(emulator, `/api/structure-runs/${run.structure_run_id}`, {
      host: `localhost:${new URL(emulator.url).port}`,
      authorization: `Bearer ${emulator.apiKey}`,
    });
    expect(res.status).toBe(200);
  });

  it("bound to a non-loopback address: no Host is refused, and the page is not served", async () => {
    const emulator = await startEmulator({ host: "0.0.0.0" });
    expect(emulator.webViewUrl()).toBeUndefined();
    const run = emulator.createRun();
    const port = new URL(emulator.url).port;
    const target = { host: "127.0.0.1", port };
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ ...target, path, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(
      await get(`/api/structure-runs/${run.structure_run_id}`, {
        host: `emulator.lan:${port}`,
        authorization: `Bearer ${emulator.apiKey}`,
      }),
    ).toBe(200);
    expect(await get("/", { host: `127.0.0.1:${port}` })).toBe(404);
    expect(await get("/assets/main.js", { host: `127.0.0.1:${port}` })).toBe(404);
  });
});

describe("web view: assets", () => {
  it("serves the page's files with their types and nothing outside its folder", async () => {
    const emulator = await startEmulator();
    const js = await raw(emulator, "/assets/main.js");
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["x-content-type-options"]).toBe("nosniff");
    expect((await raw(emulator, "/assets/style.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    for (const path of ["/assets/../package.json", "/assets/%2e%2e%2fpackage.json", "/assets/nope.js", "/assets/"]) {
      expect((await raw(emulator, path)).status, path).toBe(404);
    }
    expect((await raw(emulator, "/assets/main.js", {}, "POST", "x")).status).toBe(405);
  });
});
