import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Opens a web view link in the user's browser for `--open`, as Jupyter does: the opener is given a private file
 * (mode 0600, in a 0700 folder) that redirects to the link, never the link itself, because argv is visible to
 * every user in `ps` and the link carries the one-time token. The browser is `$BROWSER` when set (a command
 * taking a path or URL, run without a shell), else the platform's opener. Returns the line to print when no
 * browser could be started, undefined when one was; the link printed above still works either way.
 */
export function openInBrowser(link: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "structure-run-events-web-"));
  const page = join(dir, "open-web-view.html");
  const href = escapeHtml(link);
  writeFileSync(
    page,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}">` +
      `<title>structure-run-events web view</title><p><a href="${href}">Open the web view</a></p>\n`,
    { mode: 0o600 },
  );
  // The browser reads the file some time after the opener returns: it goes when the CLI exits.
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const [command, ...args] = opener(env);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, [...args, process.platform === "win32" ? page : pathToFileURL(page).href], {
        detached: true,
        stdio: "ignore",
        env,
      });
    } catch (error) {
      resolve(cannotOpen(command, error));
      return;
    }
    child.once("error", (error) => resolve(cannotOpen(command, error)));
    child.once("spawn", () => {
      child.unref();
      resolve(undefined);
    });
  });
}

function opener(env: NodeJS.ProcessEnv): [string, ...string[]] {
  const browser = env.BROWSER?.trim();
  if (browser) return [browser];
  if (process.platform === "darwin") return ["open"];
  if (process.platform === "win32") return ["cmd", "/c", "start", '""'];
  return ["xdg-open"];
}

function cannotOpen(command: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "not found" : (code ?? "it could not start");
  return `Could not open a browser (${command}: ${why}; set BROWSER to choose one): open the link above instead.\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
