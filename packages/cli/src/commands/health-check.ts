/**
 * @module commands/health-check: `aipm health-check <env|url>`: web, API, DynamoDB, queue age and
 * worker heartbeats, for a person or (`--json`) for a script; non-zero when unhealthy.
 */
import { type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import { checkHealth, DEFAULT_THRESHOLDS, formatHealth, type HealthThresholds } from "../health.ts";
import { readOpsEnv } from "../ops-env.ts";
import { resolveTarget } from "../target.ts";
import { printableJson } from "../terminal-text.ts";

/** The threshold flags that every command ending in a health check takes. */
export const thresholdOptions = {
  "max-queue-age": { type: "string" },
  "max-heartbeat-age": { type: "string" },
  "min-workers": { type: "string" },
  timeout: { type: "string" },
} as const;

export const thresholdUsage = `  --max-queue-age <s>      the oldest queued task may have waited this long (default ${DEFAULT_THRESHOLDS.maxQueueAgeSeconds})
  --max-heartbeat-age <s>  a worker is live when its last heartbeat is this recent (default ${DEFAULT_THRESHOLDS.maxHeartbeatAgeSeconds})
  --min-workers <n>        live workers needed (default ${DEFAULT_THRESHOLDS.minWorkers})
  --timeout <s>            time limit of each request (default ${DEFAULT_THRESHOLDS.timeoutMs / 1000})`;

export function thresholdsFrom(values: {
  "max-queue-age"?: string | undefined;
  "max-heartbeat-age"?: string | undefined;
  "min-workers"?: string | undefined;
  timeout?: string | undefined;
}): HealthThresholds {
  return {
    maxQueueAgeSeconds: numberOption(
      "max-queue-age",
      values["max-queue-age"],
      DEFAULT_THRESHOLDS.maxQueueAgeSeconds,
    ),
    maxHeartbeatAgeSeconds: numberOption(
      "max-heartbeat-age",
      values["max-heartbeat-age"],
      DEFAULT_THRESHOLDS.maxHeartbeatAgeSeconds,
    ),
    minWorkers: numberOption("min-workers", values["min-workers"], DEFAULT_THRESHOLDS.minWorkers, {
      integer: true,
    }),
    timeoutMs:
      numberOption("timeout", values.timeout, DEFAULT_THRESHOLDS.timeoutMs / 1000, { min: 0.1, max: 600 }) *
      1000,
  };
}

export const healthCheckCommand: Command = {
  name: "health-check",
  summary: "Check an environment's web app, API, DynamoDB, queue and workers",
  usage: `aipm health-check <env|url> [options]
  <env|url>                an environment (its addresses come from its stack's outputs) or the API's URL
  --json                   print the report as JSON
  --token <token>          API token for the queue and workers (default: AIPM_API_TOKEN)
  --web-url <url>          the web app's URL, when the target is a URL
${thresholdUsage}
Exits 1 when a check fails.`,
  example: "AIPM_API_TOKEN=... aipm health-check dev --max-queue-age 120 --json",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "health-check",
      args,
      {
        json: { type: "boolean" },
        token: { type: "string" },
        "web-url": { type: "string" },
        ...thresholdOptions,
      },
      1,
    );
    const thresholds = thresholdsFrom(values);
    const target = await resolveTarget(positionals[0] ?? "", {
      cwd: io.cwd ?? process.cwd(),
      env: io.env,
      webUrl: values["web-url"],
    });
    const report = await checkHealth(target, values.token ?? readOpsEnv(io.env).apiToken, thresholds);
    io.out(values.json ? `${printableJson(report, 2)}\n` : formatHealth(report));
    return report.healthy ? 0 : 1;
  },
};
