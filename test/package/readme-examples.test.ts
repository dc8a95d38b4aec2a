// The README's TypeScript examples are code a user copies: each must compile against the package's types (known
// event types are strict, so a wrong field or a missing one is a compile error), and those that need nothing from
// outside (no model, no key, no process exit) must run without throwing, their events valid at publish.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Inside the project (git-ignored), so the SDKs the adapter examples use resolve from its node_modules, and tsx
// maps the package's name to its source as tsconfig says (it does not for files inside node_modules).
const DIR = join(ROOT, ".readme-examples");

/** What a README example takes from the text around it, as the reader would write it. */
const CONTEXT: { name: string; declare: string; value?: string }[] = [
  { name: "bus", declare: "EventBus", value: "new EventBus()" },
  {
    name: "publishEvent",
    declare: 'StructureContext["publishEvent"]',
    value: "readmeBus.publishEvent.bind(readmeBus)",
  },
  { name: "entry", declare: "StructureEntry" },
  { name: "model", declare: "LanguageModel" },
  { name: "tools", declare: "ToolSet" },
  { name: "openai", declare: "OpenAI" },
];

const IMPORTS: [string, string[]][] = [
  [
    "structure-run-events",
    [
      "EventBus",
      "EventListener",
      "GriptapeCloudEventListenerDriver",
      "MemoryEventListenerDriver",
      "runStructure",
      "toPromptStack",
      "type StructureContext",
      "type StructureEntry",
    ],
  ],
  ["structure-run-events/local", ["EventsApiEmulator", "startLocalRun"]],
  ["structure-run-events/ai-sdk", ["publishAiSdkStream"]],
  ["structure-run-events/openai", ["publishOpenAIStream"]],
  ["ai", ["stepCountIs", "streamText", "type LanguageModel", "type ToolSet"]],
  ["openai/resources/chat/completions", ["type ChatCompletionMessageParam"]],
];

interface Example {
  index: number;
  code: string;
  /** Runs as well as compiles: it needs nothing declared only, and neither exits nor reads GT_CLOUD_*. */
  runs: boolean;
}

function readmeExamples(): Example[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => {
    const code = match[1] as string;
    const needsOutside =
      /\brunStructure\(|GriptapeCloudEventListenerDriver/.test(code) ||
      CONTEXT.some((c) => c.value === undefined && new RegExp(`\\b${c.name}\\b`).test(code));
    return { index, code, runs: !needsOutside };
  });
}

/** The example as a module: what it uses and does not import or declare itself, then the example. */
function moduleOf(example: Example): string {
  const own = new Set<string>();
  for (const m of example.code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const name of (m[1] as string).split(",")) own.add(name.replace(/^\s*type\s+/, "").trim());
  }
  for (const m of example.code.matchAll(/\b(?:const|let|using)\s+(\w+)/g)) own.add(m[1] as string);
  const lines: string[] = [];
  for (const [from, names] of IMPORTS) {
    const wanted = names.filter((n) => !own.has(n.replace(/^type /, "")));
    if (wanted.length > 0) lines.push(`import { ${wanted.join(", ")} } from "${from}";`);
  }
  if (!own.has("OpenAI")) lines.push('import type OpenAI from "openai";');
  lines.push("const readmeBus = new EventBus();");
  for (const c of CONTEXT) {
    if (own.has(c.name)) continue;
    lines.push(c.value === undefined ? `declare const ${c.name}: ${c.declare};` : `const ${c.name} = ${c.value};`);
  }
  return `${lines.join("\n")}\n// README example ${example.index}\n${example.code}\nexport {};\n`;
}

describe("the README's TypeScript examples", () => {
  const examples = readmeExamples();

  beforeAll(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    for (const example of examples) writeFileSync(join(DIR, `example-${example.index}.ts`), moduleOf(example));
    // ES modules, as the examples' top-level await needs (a user's package.json says so too).
    writeFileSync(join(DIR, "package.json"), '{"type":"module"}');
    writeFileSync(
      join(DIR, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023", "ESNext.Disposable", "DOM"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          types: ["node"],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          paths: {
            "structure-run-events": [join(ROOT, "src/index.ts")],
            "structure-run-events/*": [join(ROOT, "src/*.ts")],
          },
        },
        include: ["*.ts"],
      }),
    );
  });

  it("are found (a README without them would make the checks below vacuous)", () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    expect(examples.filter((e) => e.runs).length).toBeGreaterThanOrEqual(2);
  });

  it("compile against the package's types, strict", () => {
    let diagnostics = "";
    try {
      execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(DIR, "tsconfig.json")], { encoding: "utf8" });
    } catch (error) {
      diagnostics = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(diagnostics).toBe("");
  }, 120_000);

  it("that need nothing from outside run, every event they publish valid", () => {
    const runnable = examples.filter((e) => e.runs);
    for (const example of runnable) {
      const file = join(DIR, `example-${example.index}.ts`);
      // In DIR: an example that writes a file (the emulator's events file) writes it there.
      execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: DIR,
        encoding: "utf8",
        env: { PATH: process.env.PATH, TSX_TSCONFIG_PATH: join(DIR, "tsconfig.json") },
        stdio: ["ignore", "pipe", "pipe"],
      });
    }
  }, 120_000);
});
