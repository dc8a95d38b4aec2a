// A tiny structure's whole life with the package root: one TextChunkEvent, delivered, exit. The bus and the Cloud
// driver, configured from the environment as on Griptape Cloud; the built package, through its own name.
import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "structure-run-events";

const bus = new EventBus();
bus.addEventListener(new EventListener({ driver: new GriptapeCloudEventListenerDriver() }));
bus.publishEvent({ type: "TextChunkEvent", token: "hi", index: 0 });
const report = await bus.shutdown();
if (report.sent !== 1) process.exitCode = 1;
