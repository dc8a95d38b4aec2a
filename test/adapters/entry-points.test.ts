import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as aiSdk from "../../src/ai-sdk.js";
import * as root from "../../src/index.js";
import * as openai from "../../src/openai.js";

describe("the adapter entry points export what their users need, and nothing else", () => {
  it("structure-run-events/ai-sdk", () => {
    expect(Object.keys(aiSdk).sort()).toEqual([
      "DEFAULT_ADAPTER_OPTIONS",
      "ModelStreamError",
      "StreamAbortedError",
      "publishAiSdkStream",
    ]);
  });

  it("structure-run-events/openai", () => {
    expect(Object.keys(openai).sort()).toEqual([
      "DEFAULT_ADAPTER_OPTIONS",
      "ModelStreamError",
      "StreamAbortedError",
      "publishOpenAIStream",
      "publishToolResults",
    ]);
  });

  it("share one class per error with each other (instanceof works across entry points)", () => {
    expect(aiSdk.ModelStreamError).toBe(openai.ModelStreamError);
    expect(new aiSdk.StreamAbortedError("x")).toBeInstanceOf(root.StructureRunEventsError);
    expect(new openai.ModelStreamError("truncated", "x").code).toBe("ERR_MODEL_STREAM");
  });

  it("the root exports no adapter", () => {
    for (const name of ["publishAiSdkStream", "publishOpenAIStream", "publishToolResults"]) {
      expect(Object.keys(root)).not.toContain(name);
    }
  });
});

describe("package.json", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    exports: Record<string, unknown>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    devDependencies: Record<string, string>;
  };

  it("has a subpath per adapter, shaped like the root entry", () => {
    expect(pkg.exports["./ai-sdk"]).toEqual({
      types: "./dist/ai-sdk.d.ts",
      import: "./dist/ai-sdk.js",
      default: "./dist/ai-sdk.js",
    });
    expect(pkg.exports["./openai"]).toEqual({
      types: "./dist/openai.d.ts",
      import: "./dist/openai.js",
      default: "./dist/openai.js",
    });
    expect(Object.keys(pkg.exports["./ai-sdk"] as object)).toEqual(Object.keys(pkg.exports["."] as object));
  });

  it("makes each SDK an optional peer dependency, and a dev dependency for the tests", () => {
    for (const sdk of ["ai", "openai"]) {
      expect(pkg.peerDependencies[sdk]).toMatch(/^\^6\./);
      expect(pkg.peerDependenciesMeta[sdk]).toEqual({ optional: true });
      expect(pkg.devDependencies[sdk]).toBeDefined();
    }
  });
});
