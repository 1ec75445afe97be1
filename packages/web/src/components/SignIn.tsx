/**
 * @module components/SignIn: asks for an API token and checks it before keeping it.
 */
import { useState } from "preact/hooks";
import { createApiClient } from "../api/client.ts";
import { errorMessage } from "../state/notices.ts";
import { signIn, signOutReason } from "../state/session.ts";

export function SignIn() {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(signOutReason.value);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const candidate = value.trim();
    if (!candidate) {
      setError("Paste an API token: `pnpm start` prints the admin token, or ask your AIPM admin for one.");
      return;
    }
    setBusy(true);
    try {
      await createApiClient({ token: () => candidate }).listProjects();
      signIn(candidate);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <h1>AIPM</h1>
        <p id="sign-in-help">
          Sign in with an API token. It is kept for this browser tab only and sent only to the AIPM API.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-errormessage={error ? "sign-in-error" : undefined}
        />
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
