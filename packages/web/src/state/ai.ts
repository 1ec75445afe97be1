/**
 * @module state/ai: whether the API offers the AI actions, asked once per sign-in. Until it has
 * answered, and when it says no, the app shows no AI button.
 */
import { signal } from "@preact/signals";
import type { AiStatus } from "../domain.ts";
import { api } from "./session.ts";

export const aiStatus = signal<AiStatus | null>(null);
let asked = false;

/** Asks the API once whether AI is on; a failure leaves the AI actions hidden. */
export function loadAiStatus(): void {
  if (asked) return;
  asked = true;
  api.aiStatus().then(
    (status) => {
      aiStatus.value = status;
    },
    () => {
      asked = false;
    },
  );
}

/** True when the AI actions may be shown. */
export const aiEnabled = () => aiStatus.value?.enabled === true;
