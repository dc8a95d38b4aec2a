import type { ServerResponse } from "node:http";

/**
 * The web view's HTML: the app shell (the page proper is built by dist/web/main.js) and the plain pages that say
 * why access was refused. Nothing here holds run data, a key or a token: the shell is the same for everyone, and
 * event data only ever reaches the page through the API, rendered as text by the page's own code.
 */

/**
 * Sent with every page and asset. The policy allows only this origin's own scripts, styles and connections: no
 * inline script (so even markup slipped into the page could not run), nothing from another origin (no CDN),
 * no framing (clickjacking), no referrer (the token URL is not passed on).
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

const HEAD = `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">`;

export const APP_SHELL = `<!doctype html>
<html lang="en">
<head>
${HEAD}
<title>Structure runs</title>
<script type="module" src="/assets/main.js"></script>
</head>
<body>
<header class="top"><a class="brand" href="#/">Structure runs</a><span class="sub">local Events API emulator</span></header>
<main id="main" tabindex="-1"><p class="muted" role="status">Loading…</p></main>
<noscript><p class="notice">This page needs JavaScript.</p></noscript>
</body>
</html>
`;

export interface MessagePage {
  readonly status: number;
  readonly title: string;
  readonly paragraphs: readonly string[];
}

const RUN_AGAIN =
  "To get a new link, run the command again (<code>structure-run-events serve</code> or " +
  "<code>structure-run-events run --web</code>): each start prints one.";

/** The pages of refused access. Their text is fixed: nothing from the request is echoed into them. */
export const MESSAGE_PAGES = {
  noToken: {
    status: 401,
    title: "This page needs its link",
    paragraphs: [
      "Open the link that <code>structure-run-events serve</code> or <code>structure-run-events run --web</code> " +
        "printed: it ends in <code>?token=…</code>. The token works once; the browser that opens it keeps a " +
        "session cookie, so this address then works in that browser until the emulator stops.",
    ],
  },
  unknownToken: {
    status: 403,
    title: "This link is not valid",
    paragraphs: [
      "The token in this link is not one this emulator printed. Check that the whole link was copied, and that " +
        "the emulator that printed it is the one still listening on this port (a restarted emulator prints a new link).",
      RUN_AGAIN,
    ],
  },
  usedToken: {
    status: 403,
    title: "This link was already used",
    paragraphs: [
      "Each link works once: this one was already exchanged for a session by the browser that opened it first. " +
        "In that browser, open this address without the token. Another browser, or another person, needs a new link.",
      RUN_AGAIN,
    ],
  },
  foreignHost: {
    status: 403,
    title: "Refused: this is not the emulator's address",
    paragraphs: [
      "The emulator only answers requests addressed to its loopback address or to <code>localhost</code>, so that " +
        "a web page under another name cannot reach it by re-pointing that name at this machine (DNS rebinding). " +
        "Open the link exactly as it was printed.",
    ],
  },
  notLoopback: {
    status: 404,
    title: "The web view is off",
    paragraphs: [
      "This emulator is bound to an address other machines can reach, so it does not serve the web view: the view " +
        "is only served on loopback (the default, <code>--host 127.0.0.1</code>).",
    ],
  },
  notBuilt: {
    status: 500,
    title: "The web view's files are missing",
    paragraphs: [
      "The page's scripts were not found next to the emulator (<code>dist/web/</code>). In a clone, run " +
        "<code>npm run build</code>; an installed package always has them.",
    ],
  },
} as const satisfies Record<string, MessagePage>;

export function renderMessagePage(page: MessagePage): string {
  const body = page.paragraphs.map((p) => `<p>${p}</p>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
${HEAD}
<title>${page.title}</title>
</head>
<body>
<header class="top"><span class="brand">Structure runs</span><span class="sub">local Events API emulator</span></header>
<main id="main" class="message">
<h1>${page.title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** Writes `html` with the page headers; `extra` adds e.g. a `Set-Cookie`. Nothing is cached: pages are per session. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...PAGE_SECURITY_HEADERS,
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(html),
    ...extra,
  });
  res.end(html);
}
