import { afterEach, expect, it } from "vitest";
import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "../../src/index.js";
import { type FaultServer, startFaultServer } from "../support/fault-server.js";

let server: FaultServer | undefined;
afterEach(async () => server?.close());

it("smoke: delivers through faults in order", async () => {
  server = await startFaultServer();
  server.setFaultRate(
    0.3,
    [{ kind: "status", status: 503 }, { kind: "reset" }, { kind: "status", status: 429, retryAfter: "0" }],
    7,
  );
  const driver = new GriptapeCloudEventListenerDriver({
    baseUrl: server.url,
    apiKey: "test-key",
    structureRunId: "run-1",
    env: {},
    retryInitialDelayMs: 5,
    retryMaxDelayMs: 50,
    maxBatchEvents: 100,
  });
  const bus = new EventBus();
  bus.addEventListener(new EventListener({ driver }));
  for (let i = 0; i < 2000; i++) bus.publishEvent({ type: "TextChunkEvent", index: i, token: `t${i}` });
  const report = await bus.flush();
  const got = server.events("run-1") as { index: number }[];
  const seen = new Set<number>();
  const firsts: number[] = [];
  for (const e of got)
    if (!seen.has(e.index)) {
      seen.add(e.index);
      firsts.push(e.index);
    }
  expect(report).toMatchObject({ sent: 2000, failed: 0, dropped: 0, pending: 0 });
  expect(firsts).toEqual([...Array(2000).keys()]);
  console.log(driver.stats(), server.requests.length);
  await driver.shutdown();
});
