/**
 * @module fuzz-answers: what the fuzzer demands of every answer: no 5xx (but an AI action's 501 when AI is off), every 4xx a problem
 * document (`application/problem+json` with a string type, title and detail, and the HTTP status
 * as its status), and no success for a caller without the right to it (no valid token, a viewer's
 * write, a non-admin on tokens, a token limited to one project on another project's object).
 */
import type { Known } from "./fuzz-requests.ts";

/** Who sends a request: the Authorization header, and the role and project scope it stands for. */
export interface Caller {
  authorization: string | null;
  role: "admin" | "editor" | "viewer" | null;
  projectId: string | null;
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What is wrong with an answer of `status`, Content-Type `type` and body `text` to `request` from `caller`. */
export function answerProblems(
  { status, type, text }: { status: number; type: string; text: string },
  request: { method: string; path: string; target: Known | null },
  caller: Caller | undefined,
  publicPaths: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  // A 501 `ai-unconfigured` is the documented answer of an AI action where no provider is set.
  if (status >= 500 && !(status === 501 && text.includes("/problems/ai-unconfigured")))
    problems.push(`a ${status}`);
  if (status >= 400 && status < 500) {
    if (!/^application\/problem\+json\s*(;|$)/.test(type))
      problems.push(`a ${status} with Content-Type ${type || "(none)"}`);
    if (request.method !== "HEAD") {
      let document: Record<string, unknown> | null = null;
      try {
        document = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problems.push(`a ${status} whose body is not JSON`);
      }
      if (document) {
        for (const field of ["type", "title", "detail"]) {
          if (typeof document[field] !== "string") problems.push(`a problem without a string ${field}`);
        }
        if (document.status !== status)
          problems.push(`a problem whose status ${String(document.status)} is not the HTTP ${status}`);
      }
    }
  }

  const pathname = new URL(request.path, "http://localhost").pathname;
  const isProtected = pathname.startsWith("/api/") && !publicPaths.has(pathname);
  const success = status >= 200 && status < 300;
  if (success && isProtected && request.method !== "OPTIONS") {
    if (!caller?.role) problems.push(`a ${status} without a valid token`);
    if (caller?.role === "viewer" && !READ_METHODS.has(request.method))
      problems.push(`a ${status} to a viewer's write`);
    if (caller?.role !== "admin" && pathname.startsWith("/api/tokens"))
      problems.push(`a ${status} on tokens for a non-admin`);
    const scope = caller?.projectId;
    if (
      scope &&
      request.target &&
      request.target.projectId !== scope &&
      !pathname.startsWith("/api/tokens")
    ) {
      problems.push(`a ${status} on another project's object for a token limited to ${scope}`);
    }
  }
  return problems;
}
