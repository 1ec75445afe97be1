/**
 * @module http: JSON requests to a deployed AIPM, with a bearer token and a time limit; "no answer"
 * is a result the caller reports, not an exception.
 */

export interface HttpResult {
  /** The HTTP status; 0 when nothing answered. */
  status: number;
  /** The parsed JSON body; the text when it is not JSON; null when empty or nothing answered. */
  body: unknown;
  contentType: string;
  ms: number;
  /** Why nothing answered (connection refused, timeout, ...); set only when `status` is 0. */
  error?: string;
}

export interface RequestOptions {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  timeoutMs: number;
}

/** Why a fetch failed, in words: the cause's code (ECONNREFUSED, ENOTFOUND) when there is one. */
function failure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends one request and reads the whole answer.
 *
 * @example const queue = await requestJson(`${apiUrl}/api/queue`, { token, timeoutMs: 10_000 });
 */
export async function requestJson(url: string, options: RequestOptions): Promise<HttpResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      method: options.method ?? "GET",
      headers: {
        Accept: "application/json",
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: "follow",
    });
    const text = await response.text();
    let body: unknown = text === "" ? null : text;
    try {
      if (text !== "") body = JSON.parse(text);
    } catch {
      // Not JSON (an HTML page, a proxy's error): the text itself is what the caller reports.
    }
    return {
      status: response.status,
      body,
      contentType: response.headers.get("Content-Type") ?? "",
      ms: elapsed(),
    };
  } catch (error) {
    return {
      status: 0,
      body: null,
      contentType: "",
      ms: elapsed(),
      error: failure(error, options.timeoutMs),
    };
  }
}

/** A short account of an unexpected answer: the problem document's detail, or the start of the text. */
export function describeAnswer(result: HttpResult): string {
  if (result.status === 0) return result.error ?? "no answer";
  const body = result.body as { detail?: unknown; title?: unknown } | string | null;
  const detail =
    typeof body === "string"
      ? body.replace(/\s+/g, " ").slice(0, 120)
      : typeof body?.detail === "string"
        ? body.detail
        : typeof body?.title === "string"
          ? body.title
          : "";
  return `answered ${result.status}${detail ? `: ${detail}` : ""}`;
}

/** The URL without a trailing slash, so paths can be appended. */
export function baseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * Where the API's routes (`/health`, `/api/...`) are, from its URL with or without the `/api`
 * prefix: a stack's `apiUrl` output is `<distribution>/api`.
 *
 * @example apiBase("https://d111.cloudfront.net/api/") // "https://d111.cloudfront.net"
 */
export function apiBase(url: string): string {
  return baseUrl(url).replace(/\/api$/, "");
}
