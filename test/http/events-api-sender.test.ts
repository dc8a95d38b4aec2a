/**
 * EventsApiSender against real sockets on 127.0.0.1: what it reads of an answer, and how it classes what it
 * cannot send. One attempt per call; the retries are the driver's.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EventsApiSender, MAX_ERROR_BODY_CHARS } from "../../src/http/events-api-sender.js";
import { startFaultServer } from "../support/fault-server.js";

const servers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function sender(baseUrl: string, apiKey = "test-key", requestTimeoutMs = 5000): EventsApiSender {
  return new EventsApiSender({
    baseUrl: new URL(baseUrl),
    apiKey,
    structureRunId: "r",
    requestTimeoutMs,
    connections: 1,
  });
}

/** A server whose every answer is `status` with a body that never ends; counts what it managed to write. */
async function endlessBodyServer(
  status: number,
): Promise<{ url: string; written: () => number; hungUp: Promise<void> }> {
  let written = 0;
  let onHangUp: () => void = () => {};
  const hungUp = new Promise<void>((resolve) => {
    onHangUp = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, "e");
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "text/plain" });
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) written += chunk.length;
    };
    res.on("drain", pump);
    res.on("close", () => onHangUp());
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({
    close: () => {
      // close() waits for open sockets (the sender's keep-alive one): end them first.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, written: () => written, hungUp };
}

describe("error bodies: read at most what is kept", () => {
  it.each([400, 503])("an endless %i body: keeps 500 characters, hangs up, never reads on", async (status) => {
    const s = await endlessBodyServer(status);
    const outcome = await sender(s.url).send("[]", new AbortController().signal);
    expect(outcome.kind).toBe(status === 400 ? "rejected" : "retry");
    if (outcome.kind === "rejected") {
      expect(outcome.message).toHaveLength(MAX_ERROR_BODY_CHARS);
      expect(outcome.message).toBe("e".repeat(MAX_ERROR_BODY_CHARS));
    }
    await s.hungUp;
    // What the kernel buffers on loopback is a few MB at most; reading the body whole would be unbounded.
    expect(s.written()).toBeLessThan(32 * 1024 * 1024);
  });

  it("redacts a key the server echoes even where the cut falls inside it", async () => {
    const key = "sk-0123456789abcdefSECRET";
    const server = await startFaultServer({ apiKey: key });
    servers.push(server);
    for (const at of [0, 480, 490, 499, 1990, 2000]) {
      server.queue({ kind: "status", status: 400, body: `${"a".repeat(at)}${key}${"b".repeat(3000)}` });
      const outcome = await sender(server.url, key).send("[]", new AbortController().signal);
      expect(outcome.kind).toBe("rejected");
      const message = (outcome as { message: string }).message;
      expect(message.length).toBeLessThanOrEqual(MAX_ERROR_BODY_CHARS);
      // No piece of the key of 6 characters or more survives.
      for (let i = 0; i + 6 <= key.length; i++) expect(message).not.toContain(key.slice(i, i + 6));
    }
  });
});

describe("a server's words are quoted, never obeyed", () => {
  it("escape sequences and control characters in an error body are escaped in the message (C0, DEL, C1)", async () => {
    const server = await startFaultServer({ apiKey: "test-key" });
    servers.push(server);
    server.queue({ kind: "status", status: 400, body: "bad\u001b[31mRED\u001b]0;pwned\u0007\u009b2J\u007fend\nnext" });
    const outcome = await sender(server.url).send("[]", new AbortController().signal);
    expect(outcome.kind).toBe("rejected");
    const message = (outcome as { message: string }).message;
    expect(message).toBe("bad\\u001b[31mRED\\u001b]0;pwned\\u0007\\u009b2J\\u007fend\\nnext");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe("what cannot be sent is not retried", () => {
  it.each(["a\nb", "a\u0001b", "key-😀", "a\u007fb"])(
    "a key Node's HTTP client refuses (%j) is an invalid_request, not a retry",
    async (key) => {
      const server = await startFaultServer({ apiKey: key });
      servers.push(server);
      const outcome = await sender(server.url, key).send("[]", new AbortController().signal);
      expect(outcome).toMatchObject({
        kind: "invalid_request",
        reason: expect.stringContaining("ERR_INVALID_CHAR"),
      });
      expect((outcome as { reason: string }).reason).not.toContain(key);
      expect(server.requests).toHaveLength(0);
    },
  );

  it("a refused connection is a retry that says it could not connect", async () => {
    const server = await startFaultServer();
    const url = server.url;
    await server.close();
    const outcome = await sender(url).send("[]", new AbortController().signal);
    expect(outcome).toMatchObject({ kind: "retry", transport: "connect" });
    expect((outcome as { reason: string }).reason).toContain("ECONNREFUSED");
    expect((outcome as { reason: string }).reason).toContain(url);
    // Node's message restates the code ("connect ECONNREFUSED 127.0.0.1:…"): said once.
    expect((outcome as { reason: string }).reason.split("ECONNREFUSED")).toHaveLength(2);
  });

  it("an already aborted signal sends nothing", async () => {
    const server = await startFaultServer();
    servers.push(server);
    const controller = new AbortController();
    controller.abort();
    expect(await sender(server.url).send("[]", controller.signal)).toMatchObject({
      kind: "retry",
      transport: "aborted",
    });
    expect(server.requests).toHaveLength(0);
  });
});
