import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as aiSdk from "../../src/ai-sdk.js";
import * as root from "../../src/index.js";
import * as local from "../../src/local.js";
import * as openai from "../../src/openai.js";

// The public surface, pinned: every name each entry point exports at run time, sorted. A name added or removed here
// is a decision about what users depend on, made in review, never a side effect of an `export *`. (Types are not
// run-time names; they follow the values they describe and are checked by test/package/packed-package.test.ts.)
const SURFACE: Record<string, readonly string[]> = {
  "structure-run-events": [
    "ActionChunkEventSchema",
    "ArtifactSchema",
    "AudioChunkEventSchema",
    "BlobArtifactSchema",
    "BooleanArtifactSchema",
    "ConfigError",
    "CustomEventSchema",
    "DEFAULT_BATCHING_OPTIONS",
    "DEFAULT_RUN_OPTIONS",
    "DIAGNOSTICS_CHANNELS",
    "ErrorArtifactSchema",
    "EventBus",
    "EventListener",
    "FinishActionsSubtaskEventSchema",
    "FinishAudioTranscriptionEventSchema",
    "FinishImageGenerationEventSchema",
    "FinishImageQueryEventSchema",
    "FinishPromptEventSchema",
    "FinishStructureRunEventSchema",
    "FinishTaskEventSchema",
    "FinishTextToSpeechEventSchema",
    "GriptapeCloudEventListenerDriver",
    "InvalidArtifactError",
    "InvalidEventError",
    "JsonArtifactSchema",
    "JsonObjectSchema",
    "JsonValueSchema",
    "KNOWN_EVENT_SCHEMAS",
    "ListArtifactSchema",
    "ListenerError",
    "MemoryEventListenerDriver",
    "MessageContentSchema",
    "MessageSchema",
    "OtherMessageContentSchema",
    "PrettyPrintEventListenerDriver",
    "PromptStackSchema",
    "ReferenceSchema",
    "SerializedEvent",
    "ShutDownError",
    "StartActionsSubtaskEventSchema",
    "StartAudioTranscriptionEventSchema",
    "StartImageGenerationEventSchema",
    "StartImageQueryEventSchema",
    "StartPromptEventSchema",
    "StartStructureRunEventSchema",
    "StartTaskEventSchema",
    "StartTextToSpeechEventSchema",
    "StructureRunEventsError",
    "SubtaskActionSchema",
    "TextArtifactSchema",
    "TextChunkEventSchema",
    "TextMessageContentSchema",
    "TokenCountSchema",
    "UsageSchema",
    "UserEventEnvelopeSchema",
    "UserEventsPostBodySchema",
    "eventBus",
    "runStructure",
    "toArtifact",
    "toPromptStack",
  ],
  "structure-run-events/local": [
    "ApiErrorBodySchema",
    "EVENTS_API_EMULATOR_DEFAULTS",
    "EVENTS_CLIENT_DEFAULTS",
    "EmulatorStateError",
    "EventDetailSchema",
    "EventsApiEmulator",
    "EventsApiError",
    "EventsClient",
    "EventsPageSchema",
    "LOCAL_RUN_DEFAULTS",
    "RunStateError",
    "StructureRunCompletedPayloadSchema",
    "StructureRunErrorPayloadSchema",
    "StructureRunResourceSchema",
    "StructureRunRunningPayloadSchema",
    "StructureRunStartingPayloadSchema",
    "StructureRunStatusSchema",
    "SystemEventDetailSchema",
    "TERMINAL_RUN_STATUSES",
    "UnknownRunError",
    "UserEventDetailSchema",
    "isTerminalEvent",
    "startLocalRun",
  ],
  "structure-run-events/ai-sdk": [
    "DEFAULT_ADAPTER_OPTIONS",
    "ModelStreamError",
    "StreamAbortedError",
    "publishAiSdkStream",
  ],
  "structure-run-events/openai": [
    "DEFAULT_ADAPTER_OPTIONS",
    "ModelStreamError",
    "StreamAbortedError",
    "publishOpenAIStream",
    "publishToolResults",
  ],
};

const MODULES: Record<string, object> = {
  "structure-run-events": root,
  "structure-run-events/local": local,
  "structure-run-events/ai-sdk": aiSdk,
  "structure-run-events/openai": openai,
};

describe("each entry point exports what its users need, and nothing else", () => {
  it.each(Object.keys(SURFACE))("%s", (entry) => {
    expect(Object.keys(MODULES[entry]!).sort()).toEqual(SURFACE[entry]);
  });

  it("no name is exported by two entry points but the classes they share (one class per error)", () => {
    const seen = new Map<string, string>();
    const shared = new Set(["DEFAULT_ADAPTER_OPTIONS", "ModelStreamError", "StreamAbortedError"]);
    for (const [entry, names] of Object.entries(SURFACE)) {
      for (const name of names) {
        if (!shared.has(name)) expect(seen.get(name), `${name} in ${entry}`).toBeUndefined();
        seen.set(name, entry);
      }
    }
    expect(aiSdk.ModelStreamError).toBe(openai.ModelStreamError);
    expect(new aiSdk.StreamAbortedError("x")).toBeInstanceOf(root.StructureRunEventsError);
    expect(new local.EventsApiError(500, "x")).toBeInstanceOf(root.StructureRunEventsError);
    expect(new openai.ModelStreamError("truncated", "x").code).toBe("ERR_MODEL_STREAM");
  });
});

describe("package.json", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    exports: Record<string, unknown>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    devDependencies: Record<string, string>;
  };

  it("has exactly these entry points, each shaped like the root: types, import, default", () => {
    const subpaths = Object.keys(SURFACE).map((entry) => `.${entry.slice("structure-run-events".length)}`);
    expect(Object.keys(pkg.exports).sort()).toEqual([...subpaths, "./package.json"].sort());
    for (const subpath of subpaths) {
      const file = subpath === "." ? "index" : subpath.slice(2);
      expect(pkg.exports[subpath], subpath).toEqual({
        types: `./dist/${file}.d.ts`,
        import: `./dist/${file}.js`,
        default: `./dist/${file}.js`,
      });
    }
  });

  it("makes each SDK an optional peer dependency, and a dev dependency for the tests", () => {
    for (const sdk of ["ai", "openai"]) {
      expect(pkg.peerDependencies[sdk]).toMatch(/^\^6\./);
      expect(pkg.peerDependenciesMeta[sdk]).toEqual({ optional: true });
      expect(pkg.devDependencies[sdk]).toBeDefined();
    }
  });
});
