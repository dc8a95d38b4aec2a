// A run of 10,000 events: rendered within a second of its last event arriving (measured by the page itself,
// with the User Timing measure it records after each render), with the raw table virtualised.
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { RENDER_MEASURE } from "../../src/web/render-measure.js";
import { startEmulator } from "../runtime/emulator-harness.js";
import { launchChromium, newContext, pageErrors } from "./browser.js";
import { artifact, completeRun, type Envelope, event, post, startRun } from "./run-events.js";

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

const USER_EVENTS = 10_000;
const BATCH = 500;

/** 10,000 USER events as an agent streams them: prompts of text chunks, tool calls, progress events, a finish. */
function agentEvents(): Envelope[] {
  const events: Envelope[] = [];
  let prompt = 0;
  while (events.length < USER_EVENTS - 1) {
    events.push(event("StartPromptEvent", { model: "gpt-4.1", prompt_stack: { messages: [] } }));
    for (let i = 0; i < 400; i++) events.push(event("TextChunkEvent", { token: `p${prompt}t${i} `, index: 0 }));
    events.push(event("ActionChunkEvent", { index: 0, tag: `call_${prompt}`, name: "Search", path: "query" }));
    events.push(event("ActionChunkEvent", { index: 0, partial_input: `{"q": "step ${prompt}"}` }));
    for (let i = 0; i < 20; i++) events.push(event("Progress", { prompt, step: i }));
    events.push(
      event("FinishPromptEvent", { model: "gpt-4.1", result: "", input_token_count: 1, output_token_count: 400 }),
    );
    prompt++;
  }
  events.length = USER_EVENTS - 1;
  events.push(event("FinishStructureRunEvent", { output_task_output: artifact("TextArtifact", "done") }));
  return events;
}

interface Measure {
  duration: number;
  detail: { events: number; ended: boolean };
}

/** The page's latest render measure once it covers the ended run with all its events. */
async function finalMeasure(page: Page, total: number): Promise<Measure> {
  let measure: Measure | undefined;
  await expect
    .poll(
      async () => {
        const entries = (await page.evaluate(
          `performance.getEntriesByName(${JSON.stringify(RENDER_MEASURE)}).map((m) => ({ duration: m.duration, detail: m.detail }))`,
        )) as Measure[];
        measure = entries.at(-1);
        return measure?.detail.ended === true && measure.detail.events === total;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  return measure!;
}

describe("a 10,000-event run", () => {
  it("streamed into an open page: rendered within 1 s of its last event, the table virtualised and responsive", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun({ structureId: "long" });
    const startedAt = startRun(emulator, run);
    const page = await (await newContext(await launchChromium())).newPage();
    await page.goto(emulator.webViewUrl(run.structure_run_id) ?? "");
    await page.getByTestId("connection").filter({ hasText: "live" }).waitFor();

    const events = agentEvents();
    for (let i = 0; i < events.length; i += BATCH) await post(emulator, run, events.slice(i, i + BATCH));
    completeRun(emulator, run, startedAt);
    const total = USER_EVENTS + 3;

    const measure = await finalMeasure(page, total);
    expect(measure.duration).toBeLessThan(1000);
    await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
    expect(await page.locator(".facts dt:text-is('Events') + dd").textContent()).toBe(String(total));

    // Only the rows in view are in the DOM.
    const rows = await page.locator(".ev-row").count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    // Every prompt's text is whole.
    const tokens = events.filter((e) => e.type === "TextChunkEvent").map((e) => e.payload.token as string);
    const texts = await page.getByTestId("prompt-text").allTextContents();
    expect(texts.join("")).toBe(tokens.join(""));
    const calls = events.filter((e) => e.type === "ActionChunkEvent" && e.payload.tag !== undefined).length;
    expect(await page.getByTestId("tool-call").count()).toBe(calls);

    // Filter and keyboard still answer at once (the table only ever draws what is in view).
    await page.locator("#event-type-filter").selectOption("Progress");
    const progress = events.filter((e) => e.type === "Progress").length;
    await page.locator(".ev-toolbar span", { hasText: `${progress} of ${total} events` }).waitFor();
    await page.getByTestId("events").focus();
    await page.keyboard.press("End");
    expect(await page.locator(".ev-row.active .ev-n").textContent()).toBe(String(progress));
    expect(await page.locator(".ev-row.active .ev-type").textContent()).toBe("Progress");
  });

  it("opened after it ended: read in pages and rendered within 1 s of the last page arriving", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const startedAt = startRun(emulator, run);
    const events = agentEvents();
    for (let i = 0; i < events.length; i += BATCH) await post(emulator, run, events.slice(i, i + BATCH));
    completeRun(emulator, run, startedAt);
    const page = await (await newContext(await launchChromium())).newPage();
    const pages: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/") && r.url().includes("/events")) pages.push(r.url());
    });
    await page.goto(emulator.webViewUrl(run.structure_run_id) ?? "");
    const measure = await finalMeasure(page, USER_EVENTS + 3);
    expect(measure.duration).toBeLessThan(1000);
    // 11 pages of at most 1000, and no stream: the run had ended.
    expect(pages, pages.join("\n")).toHaveLength(11);
    expect(pages.every((u) => !u.includes("/stream"))).toBe(true);
  });
});
