/**
 * @module aipm-client: the HTTP API as a client outside the process sees it (fetch and a bearer
 * token), and git against the local forge's clone URLs.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "@aipm/git";

export interface Project {
  id: string;
  name: string;
  repository: { provider: string; owner: string; name: string; defaultBranch: string; cloneUrl: string };
}

export interface Task {
  id: string;
  storyId: string;
  status: string;
  attempt: number;
  agent: string;
  branch: string;
  pullRequest: { number: number; url: string };
  commit: string | null;
  error: { code: string; message: string } | null;
}

export interface TaskEvent {
  taskId: string;
  seq: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export type Client = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  expectedStatus?: number | number[],
) => Promise<T>;

/** A JSON client of the API at `url`; a status other than the expected one throws with the body. */
export function apiClient(url: string, token: string): Client {
  return async <T>(method: string, path: string, body?: unknown, expectedStatus?: number | number[]) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const wanted = expectedStatus ?? (method === "POST" ? [200, 201, 202] : [200]);
    if (!(Array.isArray(wanted) ? wanted : [wanted]).includes(response.status)) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** Reads a task's live event stream until the server ends it; throws after `timeoutMs`. */
export async function readEventStream(url: string, token: string, taskId: string, timeoutMs: number) {
  const response = await fetch(`${url}/api/tasks/${taskId}/events`, {
    headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200)
    throw new Error(`The event stream answered ${response.status}: ${await response.text()}`);
  return {
    contentType: response.headers.get("Content-Type"),
    messages: parseSse(await response.text()),
  };
}

/** Splits an SSE body into its messages. */
export function parseSse(body: string): SseMessage[] {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const message: SseMessage = { event: "message", data: "" };
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") message.id = value;
        else if (field === "event") message.event = value;
        else if (field === "data") data.push(value);
      }
      message.data = data.join("\n");
      return message;
    });
}

/** Git with no user or system configuration, so the machine's settings cannot change what it does. */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return runGit(args, { cwd, env: { HOME: cwd }, trim: "whitespace" });
}

/**
 * Clones `cloneUrl` into a new folder under `parent` with `token` (reading the local forge needs
 * one: any user name, the token as password), and returns it.
 */
export async function cloneRepository(parent: string, cloneUrl: string, token: string): Promise<string> {
  const dir = await mkdtemp(join(parent, "clone-"));
  const authorization = `Authorization: Basic ${Buffer.from(`aipm:${token}`).toString("base64")}`;
  await runGit(["clone", "--quiet", cloneUrl, "repo"], {
    cwd: dir,
    env: { HOME: dir },
    trim: "whitespace",
    config: [`http.extraHeader=${authorization}`],
  });
  return join(dir, "repo");
}

/** A folder for one test's clones and data; the caller removes it. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
