/**
 * @module problem: turn the API's problem documents into sentences a person can act on.
 */

/** An RFC 9457 problem document as the AIPM API returns it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: readonly { path?: string; message?: string }[];
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && ("title" in value || "detail" in value);
}

/**
 * A readable message for a failed API call: the detail, then each field error on its own line.
 *
 * @example
 * describeProblem({ title: "Conflict", status: 409, detail: "The story changed since you read it" })
 * // "The story changed since you read it"
 */
export function describeProblem(body: unknown, status?: number): string {
  if (!isProblem(body)) {
    return status
      ? `The server answered ${status} without an explanation. Try again.`
      : "The request failed. Try again.";
  }
  const headline =
    body.detail || body.title || `Request failed (${body.status ?? status ?? "unknown status"})`;
  const fieldLines = (body.errors ?? [])
    .filter((error) => error.message)
    .map((error) => (error.path ? `${error.path}: ${error.message}` : `${error.message}`));
  return [headline, ...fieldLines].join("\n");
}
