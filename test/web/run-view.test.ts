// The run view in a real browser: a run followed live, tool calls and every artifact type, hostile event data,
// duplicates, a reload and a dropped connection mid-run.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import type { EventsApiEmulator } from "../../src/local.js";
import { startEmulator } from "../runtime/emulator-harness.js";
import { launchChromium, newContext, pageErrors, SCREENSHOTS } from "./browser.js";
import { artifact, completeRun, event, post, startRun } from "./run-events.js";
import { SeverableProxy } from "./severable-proxy.js";

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

async function openPage(emulator: EventsApiEmulator, runId?: string): Promise<Page> {
  const page = await (await newContext(await launchChromium())).newPage();
  await page.goto(emulator.webViewUrl(runId) ?? "");
  if (runId !== undefined) await page.locator("h1 .run-id").waitFor();
  return page;
}

const promptText = (page: Page, n = 0) => page.getByTestId("prompt-text").nth(n);
const eventCount = (page: Page) => page.locator(".facts dt:text-is('Events') + dd").textContent();

describe("the run view", () => {
  it("a run started while the page is open appears in the list, opens from the keyboard, and shows its tokens in order as they stream", async () => {
    const emulator = await startEmulator();
    const page = await openPage(emulator);
    await page.getByText("No runs yet.").waitFor();

    const run = emulator.createRun({ structureId: "streamer" });
    const startedAt = startRun(emulator, run);
    const link = page.getByRole("link", { name: `Run ${run.structure_run_id}` });
    await link.waitFor();

    // Keyboard only: Tab to the run's link (bounded), with a visible focus ring, Enter opens it.
    for (let i = 0; i < 20 && !(await link.evaluate((el) => el === el.ownerDocument.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    expect(await link.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const outline = await link.evaluate((el) => {
      const style = el.ownerDocument.defaultView?.getComputedStyle(el);
      return { style: style?.outlineStyle, width: Number.parseFloat(style?.outlineWidth ?? "0") };
    });
    expect(outline.style).not.toBe("none");
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press("Enter");
    await page.locator("h1 .run-id").waitFor();
    expect(new URL(page.url()).hash).toBe(`#/runs/${run.structure_run_id}`);

    await post(emulator, run, [event("StartPromptEvent", { model: "echo-1", prompt_stack: { messages: [] } })]);
    const tokens = ["The ", "quick ", "brown ", "fox ", "jumps ", "over ", "the ", "lazy ", "dog", "."];
    let shown = "";
    for (const [index, token] of tokens.entries()) {
      await post(emulator, run, [event("TextChunkEvent", { token, index })]);
      shown += token;
      // Each token is on the page before the next one is sent: streamed, in order, not at the end.
      await expect.poll(() => promptText(page).textContent()).toBe(shown);
    }
    await post(emulator, run, [
      event("FinishPromptEvent", { model: "echo-1", result: shown, input_token_count: 4, output_token_count: 10 }),
      event("FinishStructureRunEvent", { output_task_output: artifact("TextArtifact", shown) }),
    ]);
    completeRun(emulator, run, startedAt);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await page.getByTestId("output").locator("figure[data-artifact=TextArtifact] pre").textContent()).toBe(
      shown,
    );
    expect(await page.locator(".timeline .badge").allTextContents()).toEqual(["STARTING", "RUNNING", "SUCCEEDED"]);
    await expect.poll(() => page.getByTestId("connection").textContent()).toBe("complete");
    expect(await page.locator(".prompt-meta").first().textContent()).toBe("echo-1 · 4 tokens in · 10 out");

    // Back to the list: the row is up to date.
    await page.getByRole("link", { name: "← All runs" }).click();
    const row = page.locator(`tr[data-run="${run.structure_run_id}"]`);
    await row.locator(".badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await row.locator("td.preview").textContent()).toBe(shown);
  });

  it("tool calls assembled from interleaved chunks, their results, custom events, and every artifact type", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const startedAt = startRun(emulator, run);
    const page = await openPage(emulator, run.structure_run_id);
    const blobBytes = Buffer.from([0, 1, 2, 250, 251, 252, 104, 105]);
    const json = { answer: 5, nested: { list: [1, "two", null], ok: true } };
    await post(emulator, run, [
      event("StartPromptEvent", { model: "gpt-4.1", prompt_stack: { messages: [] } }),
      event("ActionChunkEvent", { index: 0, tag: "call_a", name: "Calculator", path: "add", partial_input: null }),
      event("ActionChunkEvent", { index: 1, tag: "call_b", name: "Weather", path: "forecast", partial_input: null }),
      event("ActionChunkEvent", { index: 0, tag: null, name: null, path: null, partial_input: '{"values": {"a": 2' }),
      event("ActionChunkEvent", {
        index: 1,
        tag: null,
        name: null,
        path: null,
        partial_input: '{"values": {"city": "Par',
      }),
    ]);
    // Half-streamed input shows as the raw text so far.
    const calls = page.getByTestId("tool-call");
    await expect.poll(() => calls.nth(1).locator(".call-input").textContent()).toBe('{"values": {"city": "Par');
    await post(emulator, run, [
      event("ActionChunkEvent", { index: 0, tag: null, name: null, path: null, partial_input: ', "b": 3}}' }),
      event("ActionChunkEvent", { index: 1, tag: null, name: null, path: null, partial_input: 'is"}}' }),
      event("FinishPromptEvent", { model: "gpt-4.1", result: "", input_token_count: 10, output_token_count: 5 }),
      event("FinishActionsSubtaskEvent", {
        task_id: "t",
        task_parent_ids: [],
        task_child_ids: [],
        task_input: artifact("TextArtifact", ""),
        subtask_parent_task_id: null,
        subtask_thought: "two tools",
        subtask_actions: [
          { tag: "call_a", name: "Calculator", path: "add", input: { values: { a: 2, b: 3 } } },
          { tag: "call_b", name: "Weather", path: "forecast", input: { values: { city: "Paris" } } },
        ],
        task_output: artifact("ListArtifact", [
          artifact("TextArtifact", "5", "call_a output"),
          artifact("JsonArtifact", { sky: "sunny" }, "call_b output"),
        ]),
      }),
      event("ToolLatency", { tool: "Weather", ms: 182 }),
      event("FinishStructureRunEvent", {
        output_task_output: artifact("ListArtifact", [
          artifact("TextArtifact", "plain text"),
          artifact("JsonArtifact", json),
          artifact("BooleanArtifact", true),
          artifact("BlobArtifact", blobBytes.toString("base64"), "picture.bin"),
          artifact("ErrorArtifact", "something broke"),
          artifact("ListArtifact", [artifact("TextArtifact", "inner")]),
        ]),
      }),
    ]);
    completeRun(emulator, run, startedAt);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();

    expect(await calls.count()).toBe(2);
    expect(await calls.nth(0).locator(".call-name").textContent()).toBe("Calculator.add");
    expect(await calls.nth(0).locator(".tag").textContent()).toBe(" call_a");
    expect(await calls.nth(0).locator(".call-input").textContent()).toBe('{ "values": { "a": 2, "b": 3 } }');
    expect(await calls.nth(0).locator(".call-result figure[data-artifact=TextArtifact]").textContent()).toBe(
      "Result · Text5",
    );
    expect(await calls.nth(1).locator(".call-name").textContent()).toBe("Weather.forecast");
    expect(await calls.nth(1).locator(".call-input").textContent()).toBe('{ "values": { "city": "Paris" } }');
    expect(await calls.nth(1).locator(".call-result pre.json").textContent()).toBe(
      JSON.stringify({ sky: "sunny" }, null, 2),
    );

    const custom = page.getByTestId("custom-events");
    expect(await custom.locator("summary code").allTextContents()).toEqual(["ToolLatency"]);
    await custom.locator("summary").click();
    expect(await custom.locator("pre.json").textContent()).toContain('"ms": 182');

    const output = page.getByTestId("output");
    const item = (type: string) => output.locator(`ol.artifact-list > li > figure[data-artifact=${type}]`);
    expect(await item("TextArtifact").first().locator("pre").textContent()).toBe("plain text");
    expect(await item("JsonArtifact").locator("pre.json").textContent()).toBe(JSON.stringify(json, null, 2));
    expect(await item("JsonArtifact").locator("pre.json .j-key").first().textContent()).toBe('"answer"');
    expect(await item("BooleanArtifact").locator(".bool").textContent()).toBe("true");
    expect(await item("ListArtifact").locator("figure[data-artifact=TextArtifact] pre").textContent()).toBe("inner");

    const error = item("ErrorArtifact");
    expect(await error.getAttribute("role")).toBe("group");
    expect(await error.getAttribute("aria-label")).toBe("Error");
    expect(await error.locator("pre").textContent()).toBe("something broke");
    const errorColours = await error.evaluate((el) => {
      const view = el.ownerDocument.defaultView!;
      return [view.getComputedStyle(el).backgroundColor, view.getComputedStyle(el.ownerDocument.body).backgroundColor];
    });
    expect(errorColours[0]).not.toBe(errorColours[1]);

    const blob = item("BlobArtifact");
    expect(await blob.locator(".blob-size").textContent()).toBe("8 B");
    expect(await blob.locator(".blob-name").textContent()).toBe("picture.bin");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      blob.getByRole("button", { name: "Download" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("picture.bin");
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(blobBytes);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "run-view-artifacts.png"), fullPage: true });
  });

  it("hostile event data is shown as text, never as markup, and odd events do not stop the view", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun({ structureId: '<img src=x onerror="window.pwned=1">' });
    const startedAt = startRun(emulator, run);
    const page = await openPage(emulator, run.structure_run_id);
    const img = '<img src=x onerror="window.pwned=1">';
    const script = "<script>window.pwned=2</script>";
    const svg = '<svg onload="window.pwned=3"></svg>';
    let deep: unknown = "bottom";
    // Deep, though under the 1000 levels past which the emulator refuses a body.
    for (let i = 0; i < 900; i++) deep = [deep];
    await post(emulator, run, [
      event("StartPromptEvent", { model: img, prompt_stack: { messages: [] } }),
      event("TextChunkEvent", { token: img, index: 0 }),
      event("TextChunkEvent", { token: script, index: 0 }),
      event("TextChunkEvent", { token: 42, index: 0 }),
      event("ActionChunkEvent", { index: 0, tag: svg, name: img, path: script, partial_input: img }),
      event(img, { [img]: script, nested: { [svg]: [img] } }),
      event("DeepThing", { deep }),
      event("TextChunkEvent", { token: "x".repeat(300_000), index: 0 }),
      event("FinishStructureRunEvent", {
        output_task_output: artifact("ListArtifact", [
          artifact("TextArtifact", script, img),
          artifact("JsonArtifact", { [img]: svg }),
          artifact("BlobArtifact", "aGk=", `../../${img}`),
          artifact("ErrorArtifact", svg),
          artifact(img, img),
        ]),
      }),
      event("ActionChunkEvent", { index: "zero", partial_input: { not: "a string" } }),
      event("FinishActionsSubtaskEvent", { subtask_actions: "nope", task_output: 7 }),
      event("TextChunkEvent", { token: "still going", index: 0 }),
    ]);
    completeRun(emulator, run, startedAt);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    await expect.poll(() => promptText(page).textContent()).toContain("still going");

    const main = page.locator("#main");
    const text = (await main.textContent()) ?? "";
    for (const markup of [img, script, svg]) expect(text).toContain(markup);
    expect(await main.locator("img, svg, iframe, object, embed").count()).toBe(0);
    expect(await main.locator("script").count()).toBe(0);
    expect(await page.locator("[onerror], [onload]").count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(await page.getByTestId("custom-events").locator("summary code").allTextContents()).toEqual([
      img,
      "DeepThing",
    ]);
    // The view keeps working: its events list still moves from the keyboard.
    await page.getByTestId("events").focus();
    await page.keyboard.press("End");
    await expect.poll(() => page.locator(".ev-row.active .ev-type").textContent()).toBe("StructureRunCompleted");
  });

  it("an event delivered twice (at-least-once) is shown once", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const startedAt = startRun(emulator, run);
    const page = await openPage(emulator, run.structure_run_id);
    const batch = [
      event("TextChunkEvent", { token: "once ", index: 0 }),
      event("TextChunkEvent", { token: "only", index: 1 }),
    ];
    await post(emulator, run, batch);
    await post(emulator, run, batch); // the driver's retry of a batch whose answer was lost
    completeRun(emulator, run, startedAt);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await promptText(page).textContent()).toBe("once only");
    expect(await eventCount(page)).toBe("5");
    expect(await page.locator(".notes").textContent()).toBe("2 duplicate deliveries (same event id) not shown.");
  });
});

describe("resuming", () => {
  it("a reload mid-run shows everything once and carries on from where the stream was", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const startedAt = startRun(emulator, run);
    const page = await openPage(emulator, run.structure_run_id);
    const streams: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/events/stream")) streams.push(r.url());
    });
    const words = Array.from({ length: 12 }, (_, i) => `w${i} `);
    for (const [index, token] of words.slice(0, 6).entries()) {
      await post(emulator, run, [event("TextChunkEvent", { token, index })]);
    }
    await expect.poll(() => promptText(page).textContent()).toBe(words.slice(0, 6).join(""));

    await page.reload();
    await page.locator("h1 .run-id").waitFor();
    await expect.poll(() => promptText(page).textContent()).toBe(words.slice(0, 6).join(""));
    // After the reload, the page read the past in pages and opened the stream after it, not from 0.
    await expect.poll(() => streams.at(-1)).toMatch(/\?offset=8$/);

    for (const [index, token] of words.slice(6).entries()) {
      await post(emulator, run, [event("TextChunkEvent", { token, index: index + 6 })]);
    }
    completeRun(emulator, run, startedAt);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await promptText(page).textContent()).toBe(words.join(""));
    expect(await eventCount(page)).toBe(String(words.length + 3));
    expect(await page.locator(".notes").textContent()).toBe("");
  });

  it("a dropped connection resumes from the last offset: nothing missed, nothing repeated", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const startedAt = startRun(emulator, run);
    const proxy = await SeverableProxy.start(Number(new URL(emulator.url).port));
    const link = new URL(emulator.webViewUrl(run.structure_run_id) ?? "");
    link.port = String(proxy.port);
    const page = await (await newContext(await launchChromium())).newPage();
    const reads: Request[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/events")) reads.push(r);
    });
    await page.goto(link.href);
    await page.getByTestId("connection").filter({ hasText: "live" }).waitFor();
    for (const token of ["a", "b", "c"]) await post(emulator, run, [event("TextChunkEvent", { token, index: 0 })]);
    await expect.poll(() => promptText(page).textContent()).toBe("abc");

    const before = reads.length;
    proxy.sever();
    // Sent while the page is cut off: it must fetch them when it comes back.
    for (const token of ["d", "e", "f"]) await post(emulator, run, [event("TextChunkEvent", { token, index: 0 })]);
    await expect.poll(() => promptText(page).textContent()).toBe("abcdef");
    await page.getByTestId("connection").filter({ hasText: "live" }).waitFor();
    const resumed = reads.slice(before);
    const offset = (r: Request) => Number(new URL(r.url()).searchParams.get("offset"));
    const isStream = (r: Request) => new URL(r.url()).pathname.endsWith("/events/stream");
    // 2 SYSTEM events and "abc" were held: the catch-up read starts at offset 5, the stream right after what
    // the catch-up returned (d, e, f, or those of them already stored when it ran).
    expect(isStream(resumed[0]!)).toBe(false);
    expect(offset(resumed[0]!)).toBe(5);
    const stream = resumed.findLast(isStream)!;
    const catchUps = resumed.slice(0, resumed.indexOf(stream)).filter((r) => !isStream(r));
    let answered: { request: Request; count: number } | undefined;
    for (const request of catchUps) {
      const body = (await (await request.response())?.json().catch(() => undefined)) as { count: number } | undefined;
      if (body !== undefined) answered = { request, count: body.count };
    }
    expect(answered).toBeDefined();
    expect(offset(stream)).toBe(offset(answered!.request) + answered!.count);
    expect(offset(stream)).toBeGreaterThan(5);

    await post(emulator, run, [event("TextChunkEvent", { token: "g", index: 0 })]);
    completeRun(emulator, run, startedAt);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await promptText(page).textContent()).toBe("abcdefg");
    expect(await eventCount(page)).toBe("10");
  });
});
