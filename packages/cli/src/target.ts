/**
 * @module target: an `<env|url>` argument as the addresses to check: a URL as given, an
 * environment through its stack's outputs (never a hard-coded address).
 */
import { CliError } from "./commands.ts";
import { repoRoot } from "./git.ts";
import type { HealthTarget } from "./health.ts";
import { apiBase, baseUrl } from "./http.ts";
import type { Env } from "./ops-env.ts";
import { type Stack, type StackOutputs, stackOf, stackOutputs } from "./pulumi.ts";

export function isUrl(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

/** The stack of environment `env` in the repository holding `cwd`. */
export async function stackFor(env: string, cwd: string, processEnv: Env): Promise<Stack> {
  return stackOf(await repoRoot(cwd, processEnv), env);
}

/** The addresses of a stack, from its outputs; throws when it has no `apiUrl` yet. */
export function targetFromOutputs(env: string, outputs: StackOutputs): HealthTarget {
  if (typeof outputs.apiUrl !== "string" || outputs.apiUrl === "") {
    throw new CliError(`stack '${env}' has no apiUrl output: deploy it first (aipm deploy ${env}).`);
  }
  return {
    name: env,
    apiUrl: apiBase(outputs.apiUrl),
    webUrl: typeof outputs.webUrl === "string" && outputs.webUrl ? outputs.webUrl : undefined,
  };
}

/**
 * `target` as addresses: a URL is the API's (with or without its `/api` prefix; the web app's only
 * with `webUrl`); an environment's come from `pulumi stack output`.
 *
 * @example await resolveTarget("dev", { cwd, env }) // { name: "dev", apiUrl: "https://...", webUrl: "https://..." }
 */
export async function resolveTarget(
  target: string,
  context: { cwd: string; env: Env; webUrl?: string | undefined },
): Promise<HealthTarget> {
  if (isUrl(target)) {
    try {
      new URL(target);
    } catch {
      throw new CliError(`'${target}' is not a valid URL.`, 2);
    }
    return { name: baseUrl(target), apiUrl: apiBase(target), webUrl: context.webUrl };
  }
  const stack = await stackFor(target, context.cwd, context.env);
  const resolved = targetFromOutputs(target, await stackOutputs(stack, context.env));
  return context.webUrl ? { ...resolved, webUrl: context.webUrl } : resolved;
}
