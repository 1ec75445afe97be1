/**
 * @module portability: what `aipm export`, `import`, `backup` and `restore` share: the API calls
 * (exports read as JSON; imports sent gzipped, so a large project travels in a fraction of its
 * size), and reading and writing the documents as files.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { BACKUP_FORMAT, PROJECT_EXPORT_FORMAT, type ProjectExport } from "@aipm/shared";
import type { ApiAccess } from "./api-access.ts";
import { CliError } from "./commands.ts";
import { describeAnswer, type HttpResult, requestJson } from "./http.ts";
import { printable, printableJson } from "./terminal-text.ts";

/** How long one export or project list may take: a 10,000-story project reads in seconds. */
const READ_TIMEOUT_MS = 5 * 60_000;
/** How long one import may take: 10,000 stories write in about a minute on a local store. */
const IMPORT_TIMEOUT_MS = 15 * 60_000;

export interface ProjectSummary {
  id: string;
  name: string;
}

export interface ImportAnswer {
  project: ProjectSummary;
  ids: "new" | "keep";
  imported: { stories: number; acceptanceTests: number; dependencies: number; tasks: number };
}

/**
 * A count with its noun, singular or plural.
 *
 * @example counted(1, "story", "stories") // "1 story"
 */
export function counted(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** Throws a CliError saying what `what` got back, unless it is `status`. */
function expectStatus(result: HttpResult, status: number, what: string): void {
  if (result.status !== status) throw new CliError(printable(`${what} ${describeAnswer(result)}`));
}

/** Every project the token can reach. */
export async function listProjects(access: ApiAccess): Promise<ProjectSummary[]> {
  const result = await requestJson(`${access.apiUrl}/api/projects`, {
    token: access.token,
    timeoutMs: READ_TIMEOUT_MS,
  });
  expectStatus(result, 200, `${access.name}: listing the projects`);
  return (result.body as { projects: ProjectSummary[] }).projects;
}

/** A project's export document. */
export async function fetchExport(access: ApiAccess, projectId: string): Promise<ProjectExport> {
  const result = await requestJson(`${access.apiUrl}/api/projects/${encodeURIComponent(projectId)}/export`, {
    token: access.token,
    timeoutMs: READ_TIMEOUT_MS,
  });
  expectStatus(result, 200, `${access.name}: exporting project ${projectId}`);
  return result.body as ProjectExport;
}

/**
 * Imports an export document, gzipped; the API's answer, or a CliError with its problem's detail
 * (and the first field errors, which name what to fix in the file).
 */
export async function sendImport(
  access: ApiAccess,
  document: unknown,
  ids: "new" | "keep",
): Promise<ImportAnswer> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${access.apiUrl}/api/projects/import?ids=${ids}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${access.token}`,
        "Content-Type": "application/gzip",
        Accept: "application/json",
      },
      body: gzipSync(Buffer.from(JSON.stringify(document))),
      signal: AbortSignal.timeout(IMPORT_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new CliError(`${access.name}: the import got no answer (${cause ?? String(error)}).`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a proxy's page, reported as text.
  }
  if (response.status === 201) return body as ImportAnswer;
  const result = {
    status: response.status,
    body,
    contentType: response.headers.get("Content-Type") ?? "",
    ms: performance.now() - started,
  };
  const errors = ((body as { errors?: { path: string; message: string }[] } | null)?.errors ?? [])
    .slice(0, 5)
    .map((error) => `\n  ${error.path}: ${error.message}`)
    .join("");
  throw new CliError(printable(`${access.name}: the import ${describeAnswer(result)}${errors}`));
}

/** A JSON document from a file (relative to `cwd`), gzipped or not (recognised by its first bytes). */
export async function readDocument(file: string, cwd: string = process.cwd()): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(cwd, file));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, 2);
  }
  const text =
    bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON: give a file that aipm export or aipm backup wrote.`, 2);
  }
}

/** Which of AIPM's documents a parsed file is, by its `format`. */
export function documentKind(value: unknown): "export" | "backup" | "other" {
  const format = (value as { format?: unknown } | null)?.format;
  return format === PROJECT_EXPORT_FORMAT ? "export" : format === BACKUP_FORMAT ? "backup" : "other";
}

/**
 * Writes a document to `file` (pretty, so that two of them diff well), or prints it; either way
 * with the characters a terminal acts on escaped, which JSON reads back as the same text.
 */
export async function writeDocument(
  document: unknown,
  file: string | undefined,
  io: { out: (text: string) => void; cwd?: string },
): Promise<void> {
  const text = `${printableJson(document, 2)}\n`;
  if (file === undefined) io.out(text);
  else await writeFile(resolve(io.cwd ?? process.cwd(), file), text, { mode: 0o600 });
}
