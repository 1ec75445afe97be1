/**
 * @module agent/profiles/kiro: Kiro CLI (`kiro-cli`, installed with Kiro's own installer, not npm).
 * Headless mode takes `KIRO_API_KEY`; it has no structured output mode, so its lines are shown as
 * they come, and its usage is not reported.
 */
import { type AgentProfile, pick, plainTextParser } from "../profile.ts";

const providerEnv = ["KIRO_API_KEY"] as const;

/**
 * `kiro-cli chat --no-interactive --trust-all-tools [--model <m>] <prompt>`: `--trust-all-tools` is
 * its only session-wide approval, which is what lets it edit files and run the tests unattended.
 */
export const kiroProfile: AgentProfile = {
  name: "kiro",
  title: "Kiro CLI",
  executable: "kiro-cli",
  install: "curl -fsSL https://cli.kiro.dev/install | bash",
  providerEnv,
  // Kiro's service hosts are not documented for headless use: the operator names them in AIPM_AGENT_EGRESS.
  egress: () => [],
  missingConfiguration: (env) => (env.KIRO_API_KEY ? null : "Set KIRO_API_KEY for the worker."),
  launch: (input) => ({
    command: "kiro-cli",
    args: [
      "chat",
      "--no-interactive",
      "--trust-all-tools",
      ...(input.model ? ["--model", input.model] : []),
      input.prompt,
    ],
    env: pick(input.parentEnv, providerEnv),
  }),
  parser: plainTextParser,
  leftovers: [".kiro/**"],
};
