/**
 * @module state/session: the API token for this browser tab. Kept in sessionStorage (gone when the
 * tab closes), never in the URL, and sent only in the Authorization header.
 */
import { signal } from "@preact/signals";
import { createApiClient } from "../api/client.ts";

const KEY = "aipm.token";

function stored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const token = signal<string | null>(stored());
/** Why the sign-in form is showing again, when the app signed the user out. */
export const signOutReason = signal<string | null>(null);

export function signIn(value: string): void {
  try {
    sessionStorage.setItem(KEY, value);
  } catch {
    // Storage can be disabled; the token then lasts until the page reloads.
  }
  signOutReason.value = null;
  token.value = value;
}

export function signOut(reason: string | null = null): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was stored.
  }
  signOutReason.value = reason;
  token.value = null;
}

/** The one API client of the app. A refused token signs out with the API's reason. */
export const api = createApiClient({
  token: () => token.value,
  onUnauthorized: (error) => signOut(`The API refused the token: ${error.message}`),
});
