/**
 * @module state/agents: the agents this deployment offers (`GET /api/agents`), read when the
 * Generate options are first opened.
 */
import { signal } from "@preact/signals";
import type { AgentList } from "../domain.ts";
import { reportError } from "./notices.ts";
import { api } from "./session.ts";

export const agentList = signal<AgentList | null>(null);

let loading: Promise<void> | null = null;

/** Loads the agent list once; `force` reads it again (workers come and go). */
export function loadAgents(force = false): Promise<void> {
  if (loading && !force) return loading;
  loading = api.agents().then(
    (list) => {
      agentList.value = list;
    },
    (error) => {
      loading = null;
      reportError("The agents could not be loaded", error);
    },
  );
  return loading;
}
