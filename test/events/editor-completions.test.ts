import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_EVENT_TYPES } from "../../src/events/event-schemas.js";
import { LanguageServer } from "../support/language-server.js";

// What an editor offers at `type: "…"`: asked of TypeScript's own language server, the one editors run, about a
// file in this project that is opened but never written to disk.

const FILE = "test/events/__completions__.ts";
const SOURCE = [
  'import { EventBus, EventListener, MemoryEventListenerDriver, runStructure } from "../../src/index.js";',
  "const bus = new EventBus();",
  'bus.publishEvent({ type: "" });',
  'await runStructure(async ({ publishEvent }) => { publishEvent({ type: "" }); });',
  "const driver = new MemoryEventListenerDriver();",
  'for (const e of driver.events) if (e.type === "") console.log(e);',
  'bus.addEventListener(new EventListener({ eventTypes: [""], driver }));',
];

/** Line and character just inside the first `""` on `line`. */
function insideQuotes(line: number): [number, number] {
  return [line, SOURCE[line]!.indexOf('""') + 1];
}

describe("known event type names in an editor", () => {
  let server: LanguageServer;
  let uri: string;

  beforeAll(async () => {
    server = await LanguageServer.start();
    uri = server.open(FILE, SOURCE.join("\n"));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ["bus.publishEvent({ type: … })", 2],
    ["a structure's publishEvent({ type: … })", 3],
    ["e.type === … on MemoryEventListenerDriver events", 5],
    ["new EventListener({ eventTypes: [ … ] })", 6],
  ])("are offered at %s", async (_, line) => {
    const labels = await server.completions(uri, ...insideQuotes(line));
    for (const type of KNOWN_EVENT_TYPES) expect(labels).toContain(type);
  });
});
