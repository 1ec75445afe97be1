/**
 * @module model-keys: the model providers' keys a deployed worker reads from Secrets Manager at
 * start (`AIPM_MODEL_SECRET_ARNS`). They join the environment the agent profiles draw their
 * provider variables from, and nothing else: not the worker's own `process.env`, not its logs
 * (which name a key, never its value).
 */
import type { WorkerLogger } from "./worker.ts";

/**
 * Reads each `NAME → secret ARN`; resolves to `NAME → value` for the keys that have a value. A
 * secret without one (created empty by the stack, not set yet) or unreadable is logged by name with
 * the command that sets it, and left out: the profiles needing it report it missing.
 *
 * @example const keys = await loadModelKeys({ ANTHROPIC_API_KEY: arn }, (arn) => secretSource(region, undefined, arn)(), log);
 */
export async function loadModelKeys(
  arns: Readonly<Record<string, string>>,
  read: (arn: string) => Promise<string | undefined>,
  log: WorkerLogger,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(arns).map(async ([name, arn]): Promise<[string, string] | null> => {
      try {
        const value = (await read(arn))?.trim();
        if (value) return [name, value];
        log.error("model key is empty", { name, fix: setCommand(arn) });
      } catch (error) {
        const reason = error instanceof Error ? error.name : "error";
        log.error("model key unreadable", { name, reason, fix: setCommand(arn) });
      }
      return null;
    }),
  );
  const keys = Object.fromEntries(entries.filter((entry) => entry !== null));
  log.info("model keys read", { names: Object.keys(keys).sort() });
  return keys;
}

function setCommand(arn: string): string {
  return `aws secretsmanager put-secret-value --secret-id ${arn} --secret-string "$KEY", then refresh the workers`;
}
