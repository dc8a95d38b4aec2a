// The same life with OpenTelemetry's logs SDK: a BatchLogRecordProcessor and the OTLP/HTTP (JSON) exporter, their
// defaults, one log record, shutdown (which exports it), exit.
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";

const exporter = new OTLPLogExporter({ url: `${process.env.COLD_START_URL}/v1/logs` });
const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
provider.getLogger("cold-start").emit({ eventName: "TextChunkEvent", body: "hi", attributes: { index: 0 } });
await provider.shutdown();
