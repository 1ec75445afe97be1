/**
 * @module errors: the API's one error type, rendered as an RFC 9457 problem document.
 */

import { StoreError, type StoreErrorCode } from "@aipm/store";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { AiError, type AiErrorCode } from "./ai/model.ts";
import { ForgeError } from "./forge/forge.ts";

export interface FieldError {
  path: string;
  message: string;
}

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Every failure the API reports. `detail` says what happened and, where it can, how to fix it. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly detail: string,
    readonly options: { type?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }

  static badRequest(detail: string, errors?: FieldError[]) {
    return new ApiError(400, detail, { type: "validation", ...(errors ? { errors } : {}) });
  }
  static unauthorized(detail: string) {
    return new ApiError(401, detail, {
      type: "unauthorized",
      headers: { "WWW-Authenticate": 'Bearer realm="aipm"' },
    });
  }
  static forbidden(detail: string) {
    return new ApiError(403, detail, { type: "forbidden" });
  }
  static notFound(detail: string) {
    return new ApiError(404, detail, { type: "not-found" });
  }
  static conflict(detail: string, type = "conflict") {
    return new ApiError(409, detail, { type });
  }
}

/** Field errors from a zod failure, with dotted paths (`given.0`). */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = issue.path.map(String).join(".");
    const message =
      keys.length > 0
        ? `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")}`
        : issue.message;
    return { path: path || "(body)", message };
  });
}

/**
 * True when the issue is a value past a size limit (a text or list too long, steps too long in
 * all) rather than a malformed one: a number too big is a wrong value, not a size.
 */
function isSizeLimit(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "too_big") return issue.origin === "string" || issue.origin === "array";
  return issue.code === "custom" && issue.params?.sizeLimit === true;
}

/**
 * The problem for input that `where` (the request body, path, ...) holds and a schema refused:
 * 422 `limit-exceeded` when every issue is a size limit, else 400 `validation`; both name each
 * field.
 */
export function invalidInput(where: string, error: z.ZodError): ApiError {
  const errors = fieldErrors(error);
  if (error.issues.length > 0 && error.issues.every(isSizeLimit))
    return new ApiError(422, `The ${where} is over a size limit; shorten the fields named.`, {
      type: "limit-exceeded",
      errors,
    });
  return ApiError.badRequest(`The ${where} is not valid.`, errors);
}

/**
 * Parses an optional JSON body: empty means `{}`; anything else must be JSON that the schema
 * accepts, or it is a 400 naming each problem.
 */
export function parseOptionalBody<S extends z.ZodType>(raw: string, schema: S): z.output<S> {
  let value: unknown = {};
  if (raw.trim() !== "") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw ApiError.badRequest("The request body is not valid JSON.");
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput("request body", result.error);
  return result.data;
}

/** The problem document of an error. */
export function problemBody(error: ApiError) {
  return {
    type: `https://aipm.dev/problems/${error.options.type ?? "error"}`,
    title: titles[error.status] ?? "Error",
    status: error.status,
    detail: error.detail,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
  };
}

export function problemResponse(c: Context, error: ApiError): Response {
  const body = problemBody(error);
  for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value);
  return c.body(JSON.stringify(body), error.status, { "Content-Type": "application/problem+json" });
}

/** Each store refusal as a problem: its status and problem type. */
const storeProblems: Record<StoreErrorCode, { status: ContentfulStatusCode; type: string }> = {
  not_found: { status: 404, type: "not-found" },
  conflict: { status: 409, type: "conflict" },
  stale_version: { status: 409, type: "stale-version" },
  lease_lost: { status: 409, type: "lease-lost" },
  busy: { status: 409, type: "busy" },
  invalid_transition: { status: 409, type: "task-state" },
};

/** A store refusal as the API reports it. */
export function fromStoreError(error: StoreError): ApiError {
  const { status, type } = storeProblems[error.code];
  return new ApiError(status, error.message, { type });
}

/** What the model's failures answer: a refusal is the story's to change, the rest the provider's. */
const aiProblems: Record<AiErrorCode, { status: ContentfulStatusCode; type: string }> = {
  refused: { status: 422, type: "ai-refused" },
  malformed: { status: 502, type: "ai-malformed" },
  failed: { status: 502, type: "ai-failed" },
  timeout: { status: 504, type: "ai-timeout" },
};

/** Any thrown error as the API reports it; an unknown one is logged and becomes a 500. */
export function toApiError(error: unknown, log: (message: string, error: unknown) => void): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) return fromStoreError(error);
  if (error instanceof AiError) {
    const { status, type } = aiProblems[error.code];
    if (status !== 422) log("ai call failed", error);
    return new ApiError(status, error.message, { type });
  }
  if (error instanceof ForgeError) {
    const status = (
      {
        invalid: 422,
        "not-found": 422,
        conflict: 409,
        "merge-conflict": 409,
        refused: 409,
        failed: 502,
      } as const
    )[error.code];
    if (status === 502) log("forge failed", error);
    return new ApiError(status, error.message, { type: `forge-${error.code}` });
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const detail =
      status === 400 && /JSON/i.test(error.message) ? "The request body is not valid JSON." : error.message;
    return new ApiError(status, detail || titles[status] || "Request failed");
  }
  log("unhandled error", error);
  return new ApiError(
    500,
    "Something went wrong on our side. Try again; if it persists, check the API's logs.",
  );
}

/** The app's `onError`: every thrown error becomes a problem document; unknown ones a logged 500. */
export function toProblem(
  error: Error,
  c: Context,
  log: (message: string, error: unknown) => void,
): Response {
  return problemResponse(c, toApiError(error, log));
}
