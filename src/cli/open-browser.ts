import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { printable } from "../events/printable.js";

/**
 * Opens a web view link in the user's browser for `--open`, as Jupyter does: the opener is given a private file
 * (mode 0600, in a 0700 folder) that redirects to the link, never the link itself, because argv is visible to
 * every user in `ps` and the link carries the one-time token. The browser is `$BROWSER` when set (see `openers`),
 * else the platform's opener. Returns the line to print when no browser could be started, undefined when one was;
 * the link printed above still works either way.
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
  const target = process.platform === "win32" ? page : pathToFileURL(page).href;
  return firstToStart(openers(env, target), env);
}

/**
 * The commands to try, in order: each entry of `$BROWSER` (a list separated as PATH is, as xdg-utils and Python's
 * webbrowser read it), else the platform's opener. An entry is a command and its arguments split on whitespace
 * (no shell, so nothing in it is interpreted); a `%s` in an argument is replaced by `target`, else `target` is
 * appended.
 */
function openers(env: NodeJS.ProcessEnv, target: string): [string, ...string[]][] {
  const entries = (env.BROWSER ?? "")
    .split(delimiter)
    .map((entry) =>
      entry
        .trim()
        .split(/\s+/)
        .filter((word) => word !== ""),
    )
    .filter((words): words is [string, ...string[]] => words.length > 0);
  const commands: [string, ...string[]][] =
    entries.length > 0
      ? entries
      : process.platform === "darwin"
        ? [["open"]]
        : process.platform === "win32"
          ? [["cmd", "/c", "start", '""']]
          : [["xdg-open"]];
  return commands.map(([command, ...args]) =>
    args.some((arg) => arg.includes("%s"))
      ? [command, ...args.map((arg) => arg.replaceAll("%s", target))]
      : [command, ...args, target],
  );
}

/**
 * Starts the first of `commands` that can be started (the next is tried when one is not found or not executable;
 * a browser's own exit is not waited for, as it may stay open). Resolves undefined once one has started, else the
 * line to print, naming each command tried.
 */
async function firstToStart(commands: [string, ...string[]][], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const failures: string[] = [];
  for (const [command, ...args] of commands) {
    const failure = await start(command, args, env);
    if (failure === undefined) return undefined;
    failures.push(`${printable(command)}: ${failure}`);
  }
  return `Could not open a browser (${failures.join(", ")}; set BROWSER to choose one): open the link above instead.\n`;
}

/** Starts `command` detached; resolves undefined once it runs, else why it could not start. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { detached: true, stdio: "ignore", env });
    } catch (error) {
      resolve(why(error));
      return;
    }
    child.once("error", (error) => resolve(why(error)));
    child.once("spawn", () => {
      child.unref();
      resolve(undefined);
    });
  });
}

function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "not found" : (code ?? "it could not start");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
