/**
 * @module errors: the one error the stores throw for an expected refusal. The API turns each code
 * into a problem document (one mapping, in the API's errors module); the worker reads the code.
 */

/**
 * - `not_found`: the item does not exist.
 * - `conflict`: the item changed meanwhile, or the write would break a rule the store guards.
 * - `stale_version`: the caller's copy is out of date (optimistic locking); reload and apply again.
 * - `lease_lost`: the task is no longer leased to the caller.
 * - `busy`: the write kept losing races; trying again later may succeed.
 * - `invalid_transition`: the task's state machine refuses the change from its current status.
 */
export type StoreErrorCode =
  | "not_found"
  | "conflict"
  | "stale_version"
  | "lease_lost"
  | "busy"
  | "invalid_transition";

export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For a refused transaction of several stores' parts: the parts whose conditions failed. */
    readonly parts: readonly string[] = [],
  ) {
    super(message);
  }

  static notFound(message: string) {
    return new StoreError("not_found", message);
  }
  static conflict(message: string) {
    return new StoreError("conflict", message);
  }
}

/** Whether `error` is a store refusal with `code`. */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}
