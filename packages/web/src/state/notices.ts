/**
 * @module state/notices: messages for the user: errors stay until dismissed, the rest fade.
 */
import { signal } from "@preact/signals";
import { ApiError } from "../api/client.ts";

export interface Notice {
  id: number;
  kind: "error" | "info";
  text: string;
}

export const notices = signal<Notice[]>([]);
let nextId = 1;

export function dismiss(id: number): void {
  notices.value = notices.value.filter((notice) => notice.id !== id);
}

export function notify(kind: Notice["kind"], text: string): void {
  const id = nextId++;
  notices.value = [...notices.value.slice(-4), { id, kind, text }];
  if (kind === "info") setTimeout(() => dismiss(id), 6000);
}

/** The message of any error, as the user should read it. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Shows `error` as "<what>: <why>". A refused token is not repeated: the sign-in form says it. */
export function reportError(what: string, error: unknown): void {
  if (error instanceof ApiError && error.status === 401) return;
  notify("error", `${what}: ${errorMessage(error)}`);
}
