/**
 * @module fake-model-server: what every scripted fake model API here shares: an HTTP server on
 * 127.0.0.1 that answers loopback only, records each request without its credentials, and the
 * pieces of the "implement" script (the greeting module, the check that the agent read TASK.md).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The file the "implement" script writes, and what it writes there. */
export const greetingFile = "src/greeting.js";
export const greetingSource = 'module.exports = () => "hello";\n';

export interface RecordedRequest {
  method: string;
  /** The path and query, without any query parameter that carries the key. */
  path: string;
  /** The request headers, without those that carry the key. */
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeModelServer {
  /** The base URL for the CLI's base-URL setting. */
  url: string;
  requests: RecordedRequest[];
  /** What went off script (a tool result that did not hold what the script expected), in order. */
  scriptErrors: string[];
  close(): Promise<void>;
}

/** What every scripted fake takes: its key, its token counts per response, its pace and its failures. */
export interface ScriptOptions {
  /** The only key accepted, where the provider's API takes it. */
  apiKey: string;
  /** Input (prompt) tokens each response reports. Default 1200. */
  inputTokens?: number;
  /** Output tokens each response reports. Default 340. */
  outputTokens?: number;
  /**
   * How long each model turn takes. Its content is streamed in small pieces spread over this time, as
   * a slow model would, so a CLI that prints partial messages keeps printing.
   */
  turnDelayMs?: number;
  /** Answer every request with the provider's 401, whatever the key. */
  status401?: boolean;
  /** Models answered with the provider's own unknown-model error. */
  unknownModels?: readonly string[];
}

export interface FakeModelServerOptions {
  /** Header names (lower case) and query parameters that carry the key: never recorded. */
  secretHeaders: readonly string[];
  secretQuery?: readonly string[];
  /** Appended to the base URL, e.g. `/v1`. */
  basePath?: string;
  /** Answers one request; `body` is the parsed JSON (or the text, or null when empty). */
  handle(request: IncomingMessage, response: ServerResponse, body: unknown, scriptErrors: string[]): void;
  /** Further set-up of the server, e.g. how it answers a WebSocket upgrade. */
  configure?(server: Server): void;
}

/**
 * Starts a fake model API on 127.0.0.1, port 0.
 *
 * @example const fake = await startFakeModelServer({ secretHeaders: ["x-api-key"], handle: route });
 */
export async function startFakeModelServer(options: FakeModelServerOptions): Promise<FakeModelServer> {
  const requests: RecordedRequest[] = [];
  const scriptErrors: string[] = [];
  const server = createServer((request, response) => {
    readBody(request).then(
      (raw) => {
        const body = parseBody(raw);
        const headers = { ...request.headers };
        for (const name of options.secretHeaders) delete headers[name];
        const url = new URL(request.url ?? "/", "http://fake");
        for (const name of options.secretQuery ?? []) url.searchParams.delete(name);
        requests.push({ method: request.method ?? "GET", path: url.pathname + url.search, headers, body });
        options.handle(request, response, body, scriptErrors);
      },
      () => response.destroy(),
    );
  });
  server.on("connection", (socket) => {
    if (!isLoopback(socket.remoteAddress)) socket.destroy();
  });
  options.configure?.(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ""}`,
    requests,
    scriptErrors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Null when `toolResult` holds every line of TASK.md (read tools number their lines, so the lines
 * are looked for one by one); else what is wrong, for the script's errors.
 */
export function expectTaskText(taskFile: string | undefined, toolResult: string): string | null {
  if (!taskFile) return "no TASK.md path in the first user message";
  let text: string;
  try {
    text = readFileSync(taskFile, "utf8");
  } catch {
    return `cannot read ${taskFile}`;
  }
  const missing = text
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line !== "" && !toolResult.includes(line));
  return missing === undefined ? null : `the read result lacks TASK.md's line ${JSON.stringify(missing)}`;
}

/** The patch envelope of codex's (and opencode's) `apply_patch` that creates one file. */
export function addFilePatch(path: string, content: string): string {
  const lines = content.replace(/\n$/, "").split("\n");
  return [
    "*** Begin Patch",
    `*** Add File: ${path}`,
    ...lines.map((line) => `+${line}`),
    "*** End Patch",
  ].join("\n");
}

/** Waits `ms`, sending an SSE comment every second meanwhile so no proxy takes the stream for dead. */
export async function keepAlive(response: ServerResponse, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) {
    await sleep(Math.min(1000, left));
    if (Date.now() < end && !response.destroyed) response.write(": keep-alive\n\n");
  }
}

/** A JSON answer with `status`. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** A message's or tool output's content: a string, or a list of parts with `text`. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as { text?: unknown }[])
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .join("");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseBody(raw: string): unknown {
  if (raw === "") return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}
