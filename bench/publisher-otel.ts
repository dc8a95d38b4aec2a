import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { newEventId } from "../src/events/ids.js";
import { runPublisher, tokenOf } from "./publisher-harness.js";

// OpenTelemetry logs: BatchLogRecordProcessor + OTLP/HTTP JSON exporter, one export in flight at a time.
// The event's fields travel as attributes (the id made like ours: OTLP log records have no id of their own).
await runPublisher(({ url, n, batch }) => {
  const exporter = new OTLPLogExporter({ url: `${url}/v1/logs` });
  const processor = new BatchLogRecordProcessor({
    exporter,
    maxExportBatchSize: batch,
    maxQueueSize: n,
    scheduledDelayMillis: 1,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger("structure-run-events-bench");
  return {
    publish(i) {
      const token = tokenOf(i);
      logger.emit({
        eventName: "TextChunkEvent",
        timestamp: Date.now(),
        body: token,
        attributes: { "event.type": "TextChunkEvent", "event.id": newEventId(), index: i, token },
      });
    },
    async finish() {
      await provider.forceFlush();
    },
    async close() {
      await provider.shutdown();
    },
  };
});
