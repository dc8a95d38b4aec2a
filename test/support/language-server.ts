import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

// A minimal Language Server Protocol client for TypeScript's own language server (`tsc --lsp --stdio`, what
// editors run), to test what an editor offers, not only what the compiler accepts.

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const tscBin = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));

interface Message {
  id?: number;
  method?: string;
  result?: unknown;
  error?: { message: string };
}

export interface CompletionItem {
  label: string;
}

export class LanguageServer {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  #buffer = Buffer.alloc(0);
  #nextId = 0;
  #exited: Error | undefined;

  private constructor() {
    this.#child = spawn(process.execPath, [tscBin, "--lsp", "--stdio"], { cwd: projectRoot, stdio: "pipe" });
    this.#child.stdout?.on("data", (chunk: Buffer) => this.#receive(chunk));
    // It logs cancelled work on stderr; nothing there is an answer.
    this.#child.stderr?.resume();
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(`the language server exited (${code ?? signal})`);
      for (const { reject } of this.#pending.values()) reject(this.#exited);
      this.#pending.clear();
    });
  }

  static async start(): Promise<LanguageServer> {
    const server = new LanguageServer();
    await server.#request("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(projectRoot).href,
      capabilities: { textDocument: { completion: { completionItem: {} } } },
    });
    server.#notify("initialized", {});
    return server;
  }

  /** Opens `text` as the file at `path` (relative to the project), without writing it to disk. */
  open(path: string, text: string): string {
    const uri = pathToFileURL(`${projectRoot}${path}`).href;
    this.#notify("textDocument/didOpen", { textDocument: { uri, languageId: "typescript", version: 1, text } });
    return uri;
  }

  /** The completion labels offered at a 0-based line and character. */
  async completions(uri: string, line: number, character: number): Promise<string[]> {
    const answer = await this.#request("textDocument/completion", {
      textDocument: { uri },
      position: { line, character },
    });
    const result = answer.result as { items?: CompletionItem[] } | CompletionItem[] | null;
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    return items.map((item) => item.label);
  }

  /** Asks the server to shut down, and kills it if it has not within a few seconds. */
  async close(): Promise<void> {
    if (this.#exited === undefined) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5_000);
        timer.unref();
      });
      try {
        await Promise.race([this.#request("shutdown", null).then(() => this.#notify("exit", null)), late]);
      } catch {
        // Already gone.
      } finally {
        clearTimeout(timer);
      }
    }
    this.#child.kill();
  }

  #request(method: string, params: unknown): Promise<Message> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ jsonrpc: "2.0", id, method, params });
    });
  }

  #notify(method: string, params: unknown): void {
    this.#send({ jsonrpc: "2.0", method, params });
  }

  #send(message: object): void {
    const body = JSON.stringify(message);
    this.#child.stdin?.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: *(\d+)/i.exec(this.#buffer.subarray(0, end).toString())?.[1]);
      if (this.#buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.#buffer.subarray(end + 4, end + 4 + length).toString()) as Message;
      this.#buffer = this.#buffer.subarray(end + 4 + length);
      if (message.method !== undefined && message.id !== undefined) {
        // A request from the server (configuration, progress): an empty answer is enough here.
        this.#send({ jsonrpc: "2.0", id: message.id, result: null });
      } else if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error !== undefined) pending?.reject(new Error(message.error.message));
        else pending?.resolve(message);
      }
    }
  }
}
