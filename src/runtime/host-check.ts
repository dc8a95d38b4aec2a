import { isIP } from "node:net";

/**
 * True for an address only this machine can reach: 127.0.0.0/8, ::1, and IPv4-mapped 127.x (`::ffff:127.0.0.1`).
 * The emulator binds an IP literal (Node resolves "localhost" before binding), so names are not handled here.
 */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const lower = bare.toLowerCase();
  if (isIP(lower) === 4) return lower.startsWith("127.");
  if (isIP(lower) !== 6) return false;
  if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped !== null && mapped[1]!.startsWith("127.");
}

/**
 * The DNS-rebinding guard: may a request whose `Host` header is `host` be answered by a server bound to the
 * loopback address `boundAddress`? Only when the header names that address or `localhost` (a browser always
 * resolves `localhost` to loopback). A page on `http://attacker.example:PORT` whose name was re-pointed at
 * 127.0.0.1 reaches the socket but sends `Host: attacker.example:PORT`, and is refused.
 *
 * The port is not compared: the attacker does not choose it (the victim's browser connects to the port the page
 * names, which must be ours already), and a local proxy or port forward in front of the emulator keeps working.
 * A missing or malformed header is refused: every browser sends one.
 */
export function isAllowedHost(host: string | undefined, boundAddress: string): boolean {
  if (host === undefined) return false;
  const name = hostName(host);
  if (name === undefined) return false;
  if (name === "localhost") return true;
  return name === normalizeAddress(boundAddress);
}

/** The host part of a `Host` header value (`name[:port]` or `[v6][:port]`), lower-cased; undefined when malformed. */
function hostName(header: string): string | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(header);
  if (match === null) return undefined;
  const name = match[1]!.toLowerCase();
  return name.startsWith("[") ? normalizeAddress(name.slice(1, -1)) : name;
}

/** An IP literal in one canonical spelling (IPv6 through the URL parser, which compresses zeros); names as given. */
function normalizeAddress(address: string): string {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIP(bare) !== 6) return bare.toLowerCase();
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare.toLowerCase();
  }
}
