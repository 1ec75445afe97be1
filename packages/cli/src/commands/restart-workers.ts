/**
 * @module commands/restart-workers: `aipm restart-workers <env>`: replaces the environment's
 * workers with an Auto Scaling instance refresh (no SSH), and reports its progress until it ends.
 */
import {
  AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  StartInstanceRefreshCommand,
} from "@aws-sdk/client-auto-scaling";
import { CliError, type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import { readOpsEnv } from "../ops-env.ts";
import { stackOutputs } from "../pulumi.ts";
import { stackFor } from "../target.ts";
import { printable } from "../terminal-text.ts";

const SUCCESS = "Successful";
const FAILURES = new Set(["Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"]);

function describeRefresh(refresh: InstanceRefresh): string {
  const parts = [refresh.Status ?? "Unknown"];
  if (refresh.PercentageComplete !== undefined) parts.push(`${refresh.PercentageComplete}% complete`);
  if (refresh.InstancesToUpdate !== undefined) parts.push(`${refresh.InstancesToUpdate} to replace`);
  if (refresh.StatusReason) parts.push(refresh.StatusReason);
  return parts.join(", ");
}

export const restartWorkersCommand: Command = {
  name: "restart-workers",
  summary: "Replace an environment's workers with an Auto Scaling instance refresh, and wait for it",
  usage: `aipm restart-workers <env> [options]
  <env>                an environment of stacks/ (its worker group is the stack's workerGroupName output)
  --min-healthy <pct>  capacity kept in service during the refresh (default 100: new workers start before old ones stop)
  --max-healthy <pct>  capacity allowed during the refresh (default 200)
  --poll <s>           how often to report progress (default 15)
  --wait <min>         give up waiting after this long; the refresh goes on in AWS (default 60)
  --endpoint <url>     another Auto Scaling endpoint (default: AIPM_AWS_ENDPOINT, else AWS's)
Region from AWS_REGION; credentials from the AWS SDK's default chain (environment, profile, OIDC role).
Exits 1 unless the refresh ends Successful.`,
  example: "AWS_REGION=us-east-1 aipm restart-workers dev",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "restart-workers",
      args,
      {
        "min-healthy": { type: "string" },
        "max-healthy": { type: "string" },
        poll: { type: "string" },
        wait: { type: "string" },
        endpoint: { type: "string" },
      },
      1,
    );
    const minHealthy = numberOption("min-healthy", values["min-healthy"], 100, { max: 100, integer: true });
    const maxHealthy = numberOption("max-healthy", values["max-healthy"], 200, {
      min: 100,
      max: 200,
      integer: true,
    });
    const pollMs = numberOption("poll", values.poll, 15, { min: 0.01, max: 600 }) * 1000;
    const waitMs = numberOption("wait", values.wait, 60, { min: 0.01, max: 24 * 60 }) * 60_000;
    const ops = readOpsEnv(io.env);
    if (!ops.awsRegion) throw new CliError("no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1).", 2);
    const env = positionals[0] ?? "";
    const stack = await stackFor(env, io.cwd ?? process.cwd(), io.env);
    const group = (await stackOutputs(stack, io.env)).workerGroupName;
    if (typeof group !== "string" || group === "") {
      throw new CliError(
        `stack '${env}' has no workerGroupName output: deploy it first (aipm deploy ${env}).`,
      );
    }
    const endpoint = values.endpoint ?? ops.awsEndpoint;
    const client = new AutoScalingClient({
      region: ops.awsRegion,
      ...(endpoint ? { endpoint } : {}),
      ...(ops.awsCredentials ? { credentials: ops.awsCredentials } : {}),
    });
    try {
      let refreshId: string | undefined;
      try {
        const started = await client.send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: group,
            Strategy: "Rolling",
            Preferences: { MinHealthyPercentage: minHealthy, MaxHealthyPercentage: maxHealthy },
          }),
        );
        refreshId = started.InstanceRefreshId;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === "InstanceRefreshInProgressFault" || name === "InstanceRefreshInProgress") {
          throw new CliError(
            `an instance refresh of ${group} is already running: wait for it, or cancel it (aws autoscaling cancel-instance-refresh --auto-scaling-group-name ${group}) and run this again.`,
          );
        }
        throw new CliError(
          `starting an instance refresh of ${group} failed: ${error instanceof Error ? error.message : error}`,
        );
      }
      if (!refreshId) throw new CliError(`AWS started no instance refresh of ${group} (no id returned).`);
      io.out(`Restarting the workers of ${env}: instance refresh ${refreshId} of ${group}\n`);

      const deadline = Date.now() + waitMs;
      let last = "";
      for (;;) {
        const { InstanceRefreshes } = await client.send(
          new DescribeInstanceRefreshesCommand({
            AutoScalingGroupName: group,
            InstanceRefreshIds: [refreshId],
          }),
        );
        const refresh = InstanceRefreshes?.find((candidate) => candidate.InstanceRefreshId === refreshId);
        if (!refresh) throw new CliError(`AWS does not know instance refresh ${refreshId} of ${group}.`);
        const line = describeRefresh(refresh);
        if (line !== last) io.out(printable(`  ${new Date().toISOString()}  ${line}\n`));
        last = line;
        if (refresh.Status === SUCCESS) {
          io.out(`The workers of ${env} were replaced.\n`);
          return 0;
        }
        if (refresh.Status && FAILURES.has(refresh.Status)) {
          throw new CliError(
            `instance refresh ${refreshId} of ${group} ended ${refresh.Status}${refresh.StatusReason ? `: ${refresh.StatusReason}` : ""}. Look at the group's activity in the AWS console, and the workers' logs in CloudWatch.`,
          );
        }
        if (Date.now() >= deadline) {
          throw new CliError(
            `instance refresh ${refreshId} is still ${refresh.Status} after ${waitMs / 60_000} min; it goes on in AWS. Follow it with aws autoscaling describe-instance-refreshes --auto-scaling-group-name ${group}.`,
          );
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))),
        );
      }
    } finally {
      client.destroy();
    }
  },
};
