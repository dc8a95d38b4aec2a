// The CLI's web view: `run --web` prints the run's link and stays up after the run until Ctrl-C; `serve`
// prints the link to the runs list. Real child processes, a real browser.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseCommand } from "../../src/cli/cli-args.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { launchChromium, newContext, pageErrors } from "./browser.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "src/cli/main.ts");
const HELLO = ["node", "--import", "tsx", join(ROOT, "examples/hello-structure.ts")];

afterEach(() => {
  killChildren();
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
    const { child, done } = spawnTs(CLI, ["run", "--web", "--json", "--", ...HELLO, "from", "the", "web"], {
      env: cleanEnv(),
      cwd: ROOT,
    });
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
    const { child, done } = spawnTs(CLI, ["serve", "--port", "0"], { env: cleanEnv(), cwd: ROOT });
    const [, link] = await watch(child, "stdout")(LINK);
    const page = await (await newContext(await launchChromium())).newPage();
    await page.goto(link!);
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    await page.getByText("No runs yet.").waitFor();
    child.kill("SIGINT");
    expect((await done).code).toBe(0);
  });
});
