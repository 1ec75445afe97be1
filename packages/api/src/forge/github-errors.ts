/**
 * @module github-errors: what a failed GitHub call means for the GitHub forge: GitHub's status and
 * words read from Octokit's errors, and the ForgeError (with the fix to make) for each failure.
 */
import { ForgeError, type RepositoryRef } from "./forge.ts";

export const statusOf = (error: unknown): number | undefined => {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
};

/** GitHub's own words: its `message` plus any `errors[].message`, else the error's message. */
export function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data as
    | { message?: unknown; errors?: { message?: unknown }[] }
    | undefined;
  const details = (Array.isArray(data?.errors) ? data.errors : [])
    .map((detail) => detail?.message)
    .filter((message): message is string => typeof message === "string");
  const message =
    typeof data?.message === "string" ? data.message : error instanceof Error ? error.message : "";
  return [message, ...details].join(": ").trim() || String(error);
}

export const isGitHubError = (error: unknown, status: number, message: RegExp) =>
  statusOf(error) === status && message.test(githubMessage(error));

/** A write that named a file's previous version, but GitHub has another (or wanted one named). */
export const isStaleFile = (error: unknown) =>
  statusOf(error) === 409 || isGitHubError(error, 422, /\bsha\b|does not match/i);

export interface GitHubCallContext {
  repo: RepositoryRef;
  /** Scrubbed from GitHub's words. */
  token: string;
  apiUrl: string;
  webUrl: string;
}

/** The ForgeError for a failed GitHub call; `doing` completes "while AIPM tried to ...". */
export function githubForgeError(error: unknown, doing: string, context: GitHubCallContext): ForgeError {
  if (error instanceof ForgeError) return error;
  const { repo, token, apiUrl, webUrl } = context;
  const status = statusOf(error);
  // GitHub does not echo tokens, but a proxy in front of Enterprise Server might: the message,
  // and the cause that gets logged, keep only scrubbed words and the request's coordinates.
  const said = token.length >= 8 ? githubMessage(error).split(token).join("[token]") : githubMessage(error);
  const where = `${repo.owner}/${repo.name}`;
  const { request, response } = error as {
    request?: { method?: string; url?: string };
    response?: { headers?: Record<string, string> };
  };
  const options = {
    cause: Object.assign(new Error(said), {
      status,
      method: request?.method,
      url: request?.url,
      githubRequestId: response?.headers?.["x-github-request-id"],
    }),
  };
  if (!response) {
    return new ForgeError(
      "failed",
      `AIPM could not reach GitHub at ${apiUrl} to ${doing}, even after retries (${said}): check the network and AIPM_GITHUB_API_URL, then try again.`,
      options,
    );
  }
  if (status === 401) {
    return new ForgeError(
      "failed",
      `GitHub rejected the token when AIPM tried to ${doing} (401 ${said}): replace the GitHub token with a valid one that can read and write ${where}.`,
      options,
    );
  }
  if (
    (status === 403 || status === 429) &&
    (/rate limit/i.test(said) || response.headers?.["x-ratelimit-remaining"] === "0")
  ) {
    return new ForgeError(
      "failed",
      `GitHub's rate limit stopped AIPM from trying to ${doing} (${status} ${said}): wait a few minutes and try again.`,
      options,
    );
  }
  if (status === 403) {
    return new ForgeError(
      "failed",
      `The GitHub token may not ${doing} (403 ${said}): give the token read and write access to Contents and Pull requests of ${where}.`,
      options,
    );
  }
  if (status === 404) {
    return new ForgeError(
      "not-found",
      `AIPM could not ${doing}: GitHub answered 404 (${said}). Check that ${webUrl}/${where} exists and the token can see it.`,
      options,
    );
  }
  if (status === 409 && /empty/i.test(said)) {
    return new ForgeError(
      "not-found",
      `Repository ${where} is empty (${said}): push an initial commit to its default branch first.`,
      options,
    );
  }
  if (
    status === 409 ||
    isStaleFile(error) ||
    isGitHubError(error, 422, /fast forward|reference update failed/i)
  ) {
    return new ForgeError(
      "conflict",
      `${where} changed while AIPM tried to ${doing} (${said}): try again.`,
      options,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ForgeError(
      "invalid",
      `GitHub refused to let AIPM ${doing} (${status} ${said}): correct what GitHub names and try again.`,
      options,
    );
  }
  return new ForgeError(
    "failed",
    `GitHub failed when AIPM tried to ${doing}, even after retries (${status ?? "no status"} ${said}): try again later.`,
    options,
  );
}
