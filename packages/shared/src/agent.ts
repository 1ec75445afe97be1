/**
 * @module agent: what a worker reports of the agents it can run, and what `GET /api/agents` answers.
 * No secret is ever part of either: only whether the provider's variables are set.
 */
import { z } from "zod";

/** One agent on one worker: installed (its executable on PATH) and configured (its variables set). */
export const agentAvailabilitySchema = z.strictObject({
  name: z.string().max(100),
  title: z.string().max(100),
  installed: z.boolean(),
  configured: z.boolean(),
  /** What keeps it from running, naming the fix; null when it can run. */
  missing: z.string().max(500).nullable(),
  /** The variables an operator sets for it. */
  providerEnv: z.array(z.string().max(100)).max(50),
  /** How to install the release AIPM was checked against. */
  install: z.string().max(500),
});
export type AgentAvailability = z.infer<typeof agentAvailabilitySchema>;

/** One agent as the deployment offers it, over every live worker. */
export const agentOfferSchema = agentAvailabilitySchema.extend({
  /** Live workers that can run it now. */
  workers: z.number().int().min(0),
});
export type AgentOffer = z.infer<typeof agentOfferSchema>;

export const agentListSchema = z.strictObject({
  /** The agent a code generation gets when it names none. */
  defaultAgent: z.string(),
  /** Whether a request may name `command:<shell command>`. */
  commandAgentsAllowed: z.boolean(),
  agents: z.array(agentOfferSchema),
});
export type AgentList = z.infer<typeof agentListSchema>;

/**
 * The deployment's offer of each agent, from what every live worker reported: an agent is
 * installed or configured when it is on some worker; `missing` is a live worker's reason, or says
 * that no worker is live. `scaffold` comes first and runs on every worker.
 *
 * @example offerAgents(workers.map((worker) => worker.agents ?? []))
 */
export function offerAgents(reports: readonly (readonly AgentAvailability[])[]): AgentOffer[] {
  const offers = new Map<string, AgentOffer>();
  offers.set("scaffold", {
    name: "scaffold",
    title: "Built-in scaffold (offline)",
    installed: true,
    configured: true,
    missing: reports.length === 0 ? "No worker is running." : null,
    providerEnv: [],
    install: "",
    workers: reports.length,
  });
  for (const report of reports) {
    for (const agent of report) {
      const offer = offers.get(agent.name);
      const ready = agent.installed && agent.configured;
      if (!offer) {
        offers.set(agent.name, { ...agent, workers: ready ? 1 : 0 });
        continue;
      }
      offer.installed ||= agent.installed;
      offer.configured ||= agent.configured;
      if (ready) offer.workers++;
      offer.missing = offer.workers > 0 ? null : (offer.missing ?? agent.missing);
    }
  }
  return [...offers.values()];
}
