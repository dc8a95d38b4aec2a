// Keyboard, visible focus, contrast (both colour schemes) and layout at 1280x800 and on a narrow window. The
// screenshots go to SCREENSHOTS, to look at while working on the page.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EventsApiEmulator, StructureRun } from "../../src/local.js";
import { startEmulator } from "../runtime/emulator-harness.js";
import { launchChromium, newContext, pageErrors, SCREENSHOTS } from "./browser.js";
import { agentRun } from "./run-events.js";

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

beforeAll(() => {
  mkdirSync(SCREENSHOTS, { recursive: true });
});

async function openRun(
  emulator: EventsApiEmulator,
  run: StructureRun,
  options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<Page> {
  const { width = 1280, height = 800, colorScheme = "light" } = options;
  const context = await newContext(await launchChromium(), { viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  await page.goto(emulator.webViewUrl(run.structure_run_id) ?? "");
  await page.locator(".run-head .badge", { hasText: "SUCCEEDED" }).waitFor();
  await page.getByTestId("connection").filter({ hasText: "complete" }).waitFor();
  return page;
}

async function finishedRun(): Promise<{ emulator: EventsApiEmulator; run: StructureRun }> {
  const emulator = await startEmulator();
  const run = emulator.createRun({ structureId: "weather-agent", args: ["What is 2 + 3?"] });
  await agentRun(emulator, run);
  return { emulator, run };
}

/** What has the focus: its tag, text or label, and whether a focus indicator is drawn. */
const FOCUSED = `(() => {
  const el = document.activeElement;
  if (el === null || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const label = el.getAttribute("aria-label") ?? (el.textContent ?? "").trim().slice(0, 40);
  const box = el.getBoundingClientRect();
  return { tag: el.tagName.toLowerCase(), label, ring, visible: box.width > 0 && box.height > 0 };
})()`;

/**
 * Every text in the page with a contrast under 4.5:1 against the background it sits on (WCAG AA for normal
 * text), the background being the nearest ancestor's that is not transparent.
 */
const LOW_CONTRAST = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || node.textContent.trim() === "" || el.closest("[hidden], noscript, option")) continue;
    const fg = lum(rgb(getComputedStyle(el).color));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) low.push(el.className + " '" + node.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
  }
  return low;
})()`;

describe("accessibility of the web view", () => {
  it("keyboard alone reaches every control, with a visible focus ring on each", async () => {
    const { emulator, run } = await finishedRun();
    const page = await openRun(emulator, run);
    const reached: { tag: string; label: string; ring: boolean; visible: boolean }[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      const focused = (await page.evaluate(FOCUSED)) as (typeof reached)[number] | null;
      if (focused === null || reached.some((r) => r.tag === focused.tag && r.label === focused.label)) continue;
      reached.push(focused);
    }
    for (const r of reached) {
      expect(r.ring, `${r.tag} "${r.label}"`).toBe(true);
      expect(r.visible, `${r.tag} "${r.label}"`).toBe(true);
    }
    const labels = reached.map((r) => `${r.tag}:${r.label}`);
    expect(labels).toContain("a:← All runs");
    expect(labels.some((l) => l.startsWith("summary:ToolLatency"))).toBe(true);
    expect(labels.some((l) => l.startsWith("select:"))).toBe(true);
    expect(labels).toContain("div:Events");
  });

  it("the events list moves with the arrow keys, Home and End, and shows the active event's JSON", async () => {
    const { emulator, run } = await finishedRun();
    const page = await openRun(emulator, run);
    const list = page.getByTestId("events");
    await list.focus();
    const active = async () => {
      const id = await list.getAttribute("aria-activedescendant");
      const row = page.locator(`#${id}`);
      return { n: await row.locator(".ev-n").textContent(), selected: await row.getAttribute("aria-selected") };
    };
    await page.keyboard.press("ArrowDown");
    expect(await active()).toEqual({ n: "1", selected: "true" });
    expect(await page.locator(".ev-details h3").textContent()).toContain("#1 StructureRunStarting");
    await page.keyboard.press("ArrowDown");
    expect((await active()).n).toBe("2");
    await page.keyboard.press("End");
    const total = emulator.events(run.structure_run_id).length;
    expect((await active()).n).toBe(String(total));
    expect(await page.locator(".ev-details pre.json").textContent()).toContain('"status": "SUCCEEDED"');
    await page.keyboard.press("Home");
    expect((await active()).n).toBe("1");
    await page.locator("#event-type-filter").selectOption("ActionChunkEvent");
    expect(await page.locator(".ev-row").count()).toBe(4);
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`every text has a contrast of at least 4.5:1 (${colorScheme})`, async () => {
      const { emulator, run } = await finishedRun();
      const page = await openRun(emulator, run, { colorScheme });
      // Show what is folded away, and an active row, so their text is checked too.
      for (const summary of await page.locator("details summary").all()) await summary.click();
      await page.getByTestId("events").focus();
      await page.keyboard.press("ArrowDown");
      expect(await page.evaluate(LOW_CONTRAST)).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, `run-view-1280-${colorScheme}.png`) });
      await page.getByRole("link", { name: "← All runs" }).click();
      await page.locator(`tr[data-run="${run.structure_run_id}"]`).waitFor();
      expect(await page.evaluate(LOW_CONTRAST)).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, `runs-list-${colorScheme}.png`) });
    });
  }

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    it(`fits a ${width}x${height} window: no sideways scrolling; one column when narrow`, async () => {
      const { emulator, run } = await finishedRun();
      const page = await openRun(emulator, run, { width, height });
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      const main = await page.locator(".col-main").boundingBox();
      const side = await page.locator(".col-side").boundingBox();
      if (width < 800) expect(side!.y).toBeGreaterThanOrEqual(main!.y + main!.height);
      else expect(side!.x).toBeGreaterThan(main!.x + main!.width);
      await page.screenshot({ path: join(SCREENSHOTS, `run-view-${width}.png`), fullPage: true });
      await page.getByRole("link", { name: "← All runs" }).click();
      await page.locator(`tr[data-run="${run.structure_run_id}"]`).waitFor();
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    });
  }
});
