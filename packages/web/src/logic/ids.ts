/**
 * @module logic/ids: keys the client makes up.
 */

/**
 * A random key for `Idempotency-Key`, so a double click or a retried request starts one task.
 * `crypto.randomUUID` exists only in secure contexts; plain-HTTP deployments get the same from
 * `getRandomValues`.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
