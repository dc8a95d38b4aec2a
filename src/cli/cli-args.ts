import { parseArgs } from "node:util";
import { DEFAULT_BASE_URL, ENV } from "../config.js";
import { UsageError } from "../errors.js";
import { printable, quotedShort } from "../events/printable.js";

export const USAGE = `Usage: structure-run-events <command> [options]

Commands:
  run [--port N] [--json] [--web] [--open] [--events-file F] [--structure-id ID] -- <command> [args...]
        Run a command as a structure against a local Events API emulator and show its events live.
        Exits with the structure's exit code.
  serve [--port N] [--host H] [--open] [--events-file F] [--api-key-file F] [-- <command> [args...]]
        Run the Events API emulator alone. With a command, each run created over HTTP
        (POST /api/structures/{id}/runs) starts it. Master key: --api-key-file, else
        ${ENV.emulatorApiKey}, else a generated one (printed).
  tail <run-id> [--base-url U] [--api-key-file F] [--allow-insecure-http] [--offset N] [--json]
        Follow a run's events from any Events API (default ${ENV.baseUrl}, ${ENV.apiKey}).
        Exits as the run ended: 0 SUCCEEDED, the run's exit code for FAILED (else 1) and
        CANCELLED (else 130), 1 for ERROR or when the run cannot be read.

Options:
  --port N          port to listen on (default: any free port for run, 8080 for serve)
  --host H          address to bind (default 127.0.0.1; 0.0.0.0 or :: for every address)
  --json            one JSON line per event (EventDetail) on stdout, nothing else
  --web             (run) print a link to the run in the web view, and keep it up after the run until Ctrl-C
  --open            (run, serve) also open the web view in a browser ($BROWSER, else the system's);
                    for run, implies --web
  --events-file F   also append every event as NDJSON to F
  --structure-id ID (run) the run's structure id (default: none)
  --api-key-file F  read the API key from file F ("-": standard input); keys never go in argv,
                    where ps shows them
  --base-url U      (tail) the Events API (default ${ENV.baseUrl}, else ${DEFAULT_BASE_URL})
  --allow-insecure-http
                    (tail) allow plain http to a host that is not loopback (the key travels in clear)
  --offset N        (tail) the first event to show (default 0)
  -h, --help        this help
  -v, --version     the package version

Exit codes: 2 for a bad command line or setting (a flag, a variable, a port in use, an events
file that cannot be created); 1 when the work failed otherwise; run and tail as above.`;

export type Command =
  | { name: "help" }
  | { name: "version" }
  | {
      name: "run";
      port: number;
      json: boolean;
      /** --web: print the run's web view link, keep the emulator up after the run (present only when given). */
      web?: true;
      /** --open: open the web view in a browser; implies `web` (present only when given). */
      open?: true;
      eventsFile?: string;
      structureId?: string;
      command: string[];
    }
  | {
      name: "serve";
      port: number;
      host: string;
      /** --open: open the web view in a browser (present only when given). */
      open?: true;
      eventsFile?: string;
      apiKeyFile?: string;
      command: string[];
    }
  | {
      name: "tail";
      runId: string;
      baseUrl?: string;
      apiKeyFile?: string;
      allowInsecureHttp?: true;
      offset: number;
      json: boolean;
    };

/** Parses argv (after `node script`); throws `UsageError` with a precise message on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError("no command given: use run, serve or tail");
  if (name === "-h" || name === "--help" || name === "help") return { name: "help" };
  if (name === "-v" || name === "--version") return { name: "version" };
  // Everything after "--" is the structure's command line, untouched.
  const dash = rest.indexOf("--");
  const own = dash < 0 ? rest : rest.slice(0, dash);
  const command = dash < 0 ? [] : rest.slice(dash + 1);
  if (own.includes("-h") || own.includes("--help")) return { name: "help" };
  refuseKeyInArgv(name, own);
  switch (name) {
    case "run": {
      const { values } = parse(name, own, {
        port: { type: "string" },
        json: { type: "boolean" },
        web: { type: "boolean" },
        open: { type: "boolean" },
        "events-file": { type: "string" },
        "structure-id": { type: "string" },
      });
      if (command.length === 0) throw new UsageError("run needs a command after --, e.g. run -- node my-structure.js");
      return {
        name,
        port: port(values.port, 0),
        json: values.json === true,
        ...(values.web === true || values.open === true ? { web: true as const } : {}),
        ...(values.open === true ? { open: true as const } : {}),
        command,
        ...optional("eventsFile", values["events-file"]),
        ...optional("structureId", values["structure-id"]),
      };
    }
    case "serve": {
      const { values } = parse(name, own, {
        port: { type: "string" },
        host: { type: "string" },
        open: { type: "boolean" },
        "events-file": { type: "string" },
        "api-key-file": { type: "string" },
      });
      return {
        name,
        port: port(values.port, 8080),
        host: typeof values.host === "string" ? values.host : "127.0.0.1",
        ...(values.open === true ? { open: true as const } : {}),
        command,
        ...optional("eventsFile", values["events-file"]),
        ...optional("apiKeyFile", values["api-key-file"]),
      };
    }
    case "tail": {
      if (command.length > 0) throw new UsageError("tail takes no command after --");
      const { values, positionals } = parse(
        name,
        own,
        {
          "base-url": { type: "string" },
          "api-key-file": { type: "string" },
          "allow-insecure-http": { type: "boolean" },
          offset: { type: "string" },
          json: { type: "boolean" },
        },
        true,
      );
      if (positionals.length !== 1) throw new UsageError("tail needs exactly one run id: tail <run-id>");
      return {
        name,
        runId: positionals[0]!,
        offset: integer("--offset", values.offset, 0),
        json: values.json === true,
        ...(values["allow-insecure-http"] === true ? { allowInsecureHttp: true as const } : {}),
        ...optional("baseUrl", values["base-url"]),
        ...optional("apiKeyFile", values["api-key-file"]),
      };
    }
    default:
      throw new UsageError(`unknown command ${quotedShort(name)}: use run, serve or tail`);
  }
}

/**
 * `--api-key K` was removed: argv is world-readable (`ps`, /proc/<pid>/cmdline). Say what to use instead rather
 * than "unknown option", and never repeat the value. `run` takes no key at all: it makes each run's key and gives
 * it to the structure, so there is nothing to pass (its `--api-key-file` gets the same answer).
 */
function refuseKeyInArgv(command: string, own: readonly string[]): void {
  const isKeyFlag = (arg: string, flag: string) => arg === flag || arg.startsWith(`${flag}=`);
  if (command === "run") {
    const flag = ["--api-key", "--api-key-file"].find((f) => own.some((arg) => isKeyFlag(arg, f)));
    if (flag === undefined) return;
    throw new UsageError(
      `run takes no ${flag}: it makes each run's API key itself and gives it to the structure as ${ENV.apiKey}; ` +
        "there is nothing to pass",
    );
  }
  if (!own.some((arg) => isKeyFlag(arg, "--api-key"))) return;
  const variable = command === "serve" ? ENV.emulatorApiKey : ENV.apiKey;
  throw new UsageError(
    `--api-key was removed: a key on the command line is visible to every user of this machine (ps). ` +
      `Set ${variable}, or pass --api-key-file FILE ("-" reads standard input)`,
  );
}

type OptionSpec = Record<string, { type: "string" | "boolean" }>;

/** Flags whose value is a number: a value like "-1" is refused as a number, not as a missing value. */
const INTEGER_FLAGS = new Set(["port", "offset"]);

function parse(command: string, args: string[], options: OptionSpec, allowPositionals = false) {
  // node:util calls "--offset -1" ambiguous, in three lines about option syntax: say what is wrong instead.
  args.forEach((arg, i) => {
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    const value = args[i + 1];
    // "-" alone is a value (standard input for --api-key-file).
    if (name === undefined || options[name]?.type !== "string" || value === undefined || !/^-./.test(value)) {
      return;
    }
    if (INTEGER_FLAGS.has(name)) integer(arg, value, 0);
    throw new UsageError(`${arg} needs a value; to give one that starts with "-", write ${arg}=VALUE`);
  });
  // node:util's own messages are in its words, not ours: an unknown option ends in advice with unbalanced quotes
  // (`as in '-- "--bogus"`), a missing value reads "Option '--port <value>' argument missing". Its tokens (read
  // leniently) show the first problem, which is said here in a sentence of ours.
  const problem = firstProblem(
    command,
    parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true }).tokens,
    options,
  );
  if (problem !== undefined) throw new UsageError(problem);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: OptionSpec; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Not expected once firstProblem found nothing; still a usage error, and never node:util's raw text alone.
    const why = printable(error instanceof Error ? error.message : String(error));
    throw new UsageError(`the options of ${command} could not be read (${why}); see --help`);
  }
  const stray = parsed.positionals[0];
  if (!allowPositionals && stray !== undefined) {
    throw new UsageError(
      `${command} takes no argument before "--", got ${quotedShort(stray)}: put the structure's command after ` +
        `"--", e.g. ${command} -- node my-structure.js`,
    );
  }
  return parsed;
}

/** What a flag's value is, and an example of one: for the sentence that says it is missing. */
const VALUES: Record<string, [what: string, example: string]> = {
  port: ["a port number", "8080"],
  host: ["an address to bind", "0.0.0.0"],
  "events-file": ["a file name", "events.ndjson"],
  "structure-id": ["a structure id", "my-structure"],
  "api-key-file": ['a file name ("-" reads standard input)', "key.txt"],
  "base-url": ["the Events API's URL", "http://127.0.0.1:8080"],
  offset: ["the first event's offset", "10"],
};

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/**
 * The first problem with the options, in order, as one sentence: an option `options` does not name, a flag that
 * needs a value given none, a switch given one.
 */
function firstProblem(command: string, tokens: readonly Token[], options: OptionSpec): string | undefined {
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = printable(token.rawName);
    const type = options[token.name]?.type;
    if (type === undefined) return `unknown option ${flag} for ${command}; see --help`;
    if (type === "string" && token.value === undefined) {
      const [what, example] = VALUES[token.name] ?? ["a value", "VALUE"];
      return `${flag} needs a value: ${what}, e.g. ${flag} ${example}`;
    }
    if (type === "boolean" && token.value !== undefined) {
      const given = token.value.length > 40 ? `${token.value.slice(0, 40)}…` : token.value;
      return `${flag} takes no value: write ${flag} alone, not ${flag}=${printable(given)}`;
    }
  }
  return undefined;
}

function port(value: string | boolean | undefined, fallback: number): number {
  const n = integer("--port", value, fallback);
  if (n > 65_535) throw new UsageError(`--port must be between 0 and 65535, got ${n}`);
  return n;
}

function integer(flag: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new UsageError(`${flag} must be a non-negative integer, got ${quotedShort(String(value))}`);
  }
  return Number(value);
}

function optional<K extends string>(key: K, value: string | boolean | undefined): { [P in K]?: string } {
  return (typeof value === "string" ? { [key]: value } : {}) as { [P in K]?: string };
}
