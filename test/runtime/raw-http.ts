// HTTP by hand over a real socket, for what fetch and node:http refuse to send: header values with control
// characters, bytes trickled one by one, readers that never read.
import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  head: string;
  body: string;
  /** The connection was closed by the server after the response. */
  closed: boolean;
}

/** Opens a socket to `url`'s host and port. */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Reads a socket until it closes (or `until` holds), returning everything read as latin1 text. */
export function readAll(socket: Socket, until?: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const done = (): void => resolve(text);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (until?.(text)) {
        socket.off("close", done);
        resolve(text);
      }
    });
    socket.once("close", done);
    socket.on("error", () => undefined);
    socket.resume();
  });
}

/** Sends `request` (a whole HTTP/1.1 request as bytes) and reads the answer until the server closes. */
export async function rawRequest(url: string, request: Buffer | string): Promise<RawResponse> {
  const socket = await openSocket(url);
  const reading = readAll(socket);
  socket.write(request);
  const text = await reading;
  return parseResponse(text, true);
}

export function parseResponse(text: string, closed: boolean): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  const head = end < 0 ? text : text.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  let body = end < 0 ? "" : text.slice(end + 4);
  if (/\r\ntransfer-encoding: chunked/i.test(head)) body = unchunk(body);
  return { status, head, body, closed };
}

function unchunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const line = rest.indexOf("\r\n");
    if (line < 0) return out;
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (!(size > 0)) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}
