// The CLI's web view: `run --web` prints the run's link and stays up after the run until Ctrl-C; `serve`
// prints the link to the runs list. Real child processes, a real browser.
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseCommand } from "../../src/cli/cli-args.js";
import { cleanEnv } from "../support/child-processes.js";
import { cli, HELLO, onCleanup } from "../support/cli-process.js";
import { launchChromium, newContext, pageErrors } from "./browser.js";

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

/** What the child writes to `stream`, from the start, and a wait for a pattern in it (seen before or after). */
function watch(child: ChildProcess, stream: "stdout" | "stderr"): (pattern: RegExp) => Promise<RegExpMatchArray> {
  let seen = "";
  const waiting = new Set<() => void>();
  child[stream]?.on("data", (chunk: Buffer) => {
    seen += chunk.toString();
    for (const check of [...waiting]) check();
  });
  return (pattern) =>
    new Promise((resolve) => {
      const check = (): void => {
        const match = pattern.exec(seen);
        if (match === null) return;
        waiting.delete(check);
        resolve(match);
      };
      waiting.add(check);
      check();
    });
}

const LINK = /Web view: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}(#\/runs\/[0-9a-f-]{36})?)\n/;

describe("run --web", () => {
  it("is parsed only when given", () => {
    expect(parseCommand(["run", "--web", "--", "x"])).toMatchObject({ name: "run", web: true });
    expect(parseCommand(["run", "--", "x"])).not.toHaveProperty("web");
  });

  it("prints the run's link on stderr, shows the run in the page, stays up after it ends, exits on Ctrl-C with the structure's code", async () => {
    const { child, done } = cli(["run", "--web", "--json", "--", ...HELLO, "from", "the", "web"]);
    const stderr = watch(child, "stderr");
    const [, link] = await stderr(LINK);
    expect(link).toMatch(/#\/runs\//);
    await stderr(/Run ended: SUCCEEDED\. The web view stays up at http:\/\/127\.0\.0\.1:\d+\/ until Ctrl-C\.\n/);

    const page = await (await newContext(await launchChromium())).newPage();
    await page.goto(link!);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await page.getByTestId("output").locator("pre").textContent()).toBe("echo: from the web");
    expect(await page.getByTestId("prompt-text").textContent()).toBe("echo: from the web");
    expect(child.exitCode).toBeNull();

    child.kill("SIGINT");
    const finished = await done;
    expect(finished.code).toBe(0);
    // --json: stdout still holds only events, the link went to stderr.
    for (const line of finished.stdout.trim().split("\n")) expect(JSON.parse(line)).toHaveProperty("event_id");
    expect(finished.stdout).not.toContain("token=");
  });
});

describe("serve", () => {
  it("prints the web view's link; it opens the runs list", async () => {
    const { child, done } = cli(["serve", "--port", "0"]);
    const [, link] = await watch(child, "stdout")(LINK);
    const page = await (await newContext(await launchChromium())).newPage();
    await page.goto(link!);
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    await page.getByText("No runs yet.").waitFor();
    child.kill("SIGINT");
    expect((await done).code).toBe(0);
  });
});

describe("--open", () => {
  /** A $BROWSER that records what it was given and the file it was pointed at, then exits. */
  function fakeBrowser(): { env: NodeJS.ProcessEnv; args: () => string; page: () => string } {
    const dir = mkdtempSync(join(tmpdir(), "sre-browser-"));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, "browser.sh");
    writeFileSync(
      script,
      '#!/bin/sh\nprintf "%s\\n" "$@" > "$ARGS_OUT"\ncat "$(echo "$1" | cut -c8-)" > "$PAGE_OUT"\n',
    );
    chmodSync(script, 0o700);
    const argsOut = join(dir, "args");
    const pageOut = join(dir, "page");
    return {
      env: { ...cleanEnv(), BROWSER: script, ARGS_OUT: argsOut, PAGE_OUT: pageOut },
      args: () => (existsSync(argsOut) ? readFileSync(argsOut, "utf8") : ""),
      page: () => (existsSync(pageOut) ? readFileSync(pageOut, "utf8") : ""),
    };
  }

  it("is parsed for run (implying --web) and serve", () => {
    expect(parseCommand(["run", "--open", "--", "x"])).toMatchObject({ name: "run", web: true, open: true });
    expect(parseCommand(["serve", "--open"])).toMatchObject({ name: "serve", open: true });
    expect(parseCommand(["serve"])).not.toHaveProperty("open");
  });

  it("run --open hands $BROWSER a private file that leads to the run, never the token in argv", async () => {
    const browser = fakeBrowser();
    const { child, done } = cli(["run", "--open", "--", ...HELLO, "opened"], browser.env);
    const stderr = watch(child, "stderr");
    const [, link] = await stderr(LINK);
    await stderr(/Run ended: SUCCEEDED/);
    const args = browser.args().trim().split("\n");
    expect(args).toHaveLength(1);
    expect(args[0]).toMatch(/^file:\/\/\/.+\.html$/);
    expect(browser.args()).not.toContain("token=");
    expect(browser.page()).toContain(`content="0;url=${link}"`);
    expect(readFileSync(new URL(args[0] as string)).toString()).toBe(browser.page());

    // The browser follows the file to the run, as a user's would.
    const page = await (await newContext(await launchChromium())).newPage();
    await page.goto(args[0] as string);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await page.getByTestId("output").locator("pre").textContent()).toBe("echo: opened");

    child.kill("SIGINT");
    expect((await done).code).toBe(0);
    // The file goes with the CLI.
    expect(existsSync(new URL(args[0] as string))).toBe(false);
  });

  it("a browser that cannot start is said in one line, and the run goes on", async () => {
    const { child, done } = cli(["serve", "--port", "0", "--open"], { ...cleanEnv(), BROWSER: "/nonexistent/browser" });
    const stdout = watch(child, "stdout");
    await stdout(LINK);
    await stdout(
      /Could not open a browser \(\/nonexistent\/browser: not found; set BROWSER to choose one\): open the link above instead\.\n/,
    );
    child.kill("SIGINT");
    expect((await done).code).toBe(0);
  });
});
