// OpenTelemetry logs with their defaults: BatchLogRecordProcessor (exports every 1 s or at 512 records) and the
// OTLP/HTTP JSON exporter.
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { runLatencyClient } from "./harness.mjs";

await runLatencyClient(({ url }) => {
  const exporter = new OTLPLogExporter({ url: `${url}/v1/logs` });
  const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger("latency");
  return {
    publish: (i, sentAt) =>
      logger.emit({ eventName: "TextChunkEvent", body: "x", attributes: { index: i, sentAt: String(sentAt) } }),
    finish: () => provider.shutdown(),
  };
});
