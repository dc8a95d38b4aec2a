// A TCP proxy on 127.0.0.1 in front of a server, whose open connections a test can cut at will: a dropped
// connection as a flaky network or a sleeping laptop makes it, to test that the page resumes where it was.
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach } from "vitest";

const proxies: SeverableProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

export class SeverableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      const upstream = connect(targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  }

  static async start(targetPort: number): Promise<SeverableProxy> {
    const proxy = new SeverableProxy(targetPort);
    proxies.push(proxy);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === "object" && address !== null ? address.port : 0;
    return proxy;
  }

  /** Cuts every open connection (both sides see a reset); new connections still go through. */
  sever(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
