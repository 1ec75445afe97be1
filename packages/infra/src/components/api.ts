/**
 * @module components/api: the Hono API as a Lambda function behind a Function URL that only
 * CloudFront may call, with its log group, least-privilege role, alarms, the schedule that runs
 * its housekeeping (lease reconciler, queue metrics) once a minute, and its AI actions' settings.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as pulumi from "@pulumi/pulumi";
import { accessPolicy } from "../access-policies.ts";
import { type AiSettings, aiModel, bedrockModelArns, scopeOfArn } from "../ai-settings.ts";
import { defaultApiMemoryMb, defaultApiTimeoutSeconds, defaultLogRetentionDays } from "../defaults.ts";
import { serviceTrustPolicy } from "../trust-policies.ts";

export interface ApiArgs {
  /** The environment (`AIPM_ENV`); the API derives its table names from it. */
  environment: string;
  /** The deployed version (`AIPM_VERSION`). */
  version: string;
  /** The commit the version was built from (`AIPM_COMMIT`). Default: the version. */
  commit?: string;
  /** The esbuild output directory holding `index.mjs` (packages/api/dist/lambda). */
  bundleDir: string;
  /** ARNs of the tables the API uses; its role may touch these and no others. */
  tableArns: pulumi.Input<string>[];
  /** The secrets the API reads, by ARN. */
  secrets: {
    githubToken: pulumi.Input<string>;
    webhookSecret: pulumi.Input<string>;
    apiToken: pulumi.Input<string>;
  };
  /** Memory in MB; CPU scales with it. Default: {@link defaultApiMemoryMb}. */
  memoryMb?: number;
  /** Seconds before a request is cut off; CloudFront waits 30. Default: 25. */
  timeoutSeconds?: number;
  /** Days the logs are kept. Default: {@link defaultLogRetentionDays}. */
  logRetentionDays?: number;
  /** Errors in five minutes that raise the errors alarm. Default: 5. */
  errorsThreshold?: number;
  /** Where alarms notify (SNS topic ARNs). Default: none, the alarms are only visible. */
  alarmActions?: pulumi.Input<string>[];
  /** The agent a task runs when its request names none (`AIPM_AGENT`). Default: the API's own. */
  defaultAgent?: string;
  /**
   * The AI actions' provider and model (AIPM_AI_PROVIDER, ...), and for Anthropic or OpenAI the secret holding
   * the provider's key, which the role may read. With Bedrock the role may invoke exactly that
   * model, by the ARNs `bedrockModelArns` gives. Default: none, the AI actions are off.
   */
  ai?: AiSettings & { apiKeySecretArn?: pulumi.Input<string> };
  /**
   * The permissions boundary its role carries: the environment's, once it is bootstrapped (its
   * deploy role may create roles only under it). Default: none.
   */
  permissionsBoundary?: pulumi.Input<string>;
}

/**
 * The API Lambda (nodejs22.x, arm64, handler `index.handler`) and its Function URL with AWS_IAM
 * auth in RESPONSE_STREAM mode (the handler is streamified, so the task events' SSE streams);
 * {@link WebHosting} grants CloudFront the right to call it. An EventBridge rule invokes the same
 * function once a minute with a Scheduled Event, which the handler tells from an HTTP request: it
 * takes back expired leases and publishes `AIPM/QueueDepth` (see queue-metric.ts), so neither
 * depends on a worker being alive.
 *
 * @example new Api("aipm-dev-api", { environment: "dev", version, bundleDir: "../../packages/api/dist/lambda", ... })
 */
export class Api extends pulumi.ComponentResource {
  readonly function: lambda.Function;
  readonly functionUrl: lambda.FunctionUrl;
  readonly role: iam.Role;
  readonly logGroup: cloudwatch.LogGroup;
  /** The once-a-minute rule that invokes the function for housekeeping. */
  readonly housekeepingSchedule: cloudwatch.EventRule;

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:api:Api", name, {}, opts);
    if (!existsSync(join(args.bundleDir, "index.mjs"))) {
      throw new Error(
        `The API bundle "${join(args.bundleDir, "index.mjs")}" does not exist: build it first (pnpm --filter @aipm/api build) or point aipm:apiBundleDir at dist/lambda.`,
      );
    }

    this.logGroup = new cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aipm/${args.environment}/api`,
        retentionInDays: args.logRetentionDays ?? defaultLogRetentionDays,
      },
      { parent: this },
    );
    this.role = new iam.Role(
      `${name}-role`,
      {
        description: `AIPM ${args.environment} API Lambda`,
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("lambda.amazonaws.com")),
        ...(args.permissionsBoundary === undefined ? {} : { permissionsBoundary: args.permissionsBoundary }),
      },
      { parent: this },
    );
    const secretArns = [
      args.secrets.githubToken,
      args.secrets.webhookSecret,
      args.secrets.apiToken,
      ...(args.ai?.apiKeySecretArn === undefined ? [] : [args.ai.apiKeySecretArn]),
    ];
    const bedrockModel = args.ai?.provider === "bedrock" ? aiModel(args.ai) : undefined;
    new iam.RolePolicy(
      `${name}-access`,
      {
        role: this.role.id,
        policy: pulumi
          .all([pulumi.all(args.tableArns), pulumi.all(secretArns), this.logGroup.arn])
          .apply(([tableArns, secrets, logGroupArn]) =>
            JSON.stringify(
              accessPolicy({
                tableArns,
                secretArns: secrets,
                // The queue metrics go out as Embedded Metric Format log lines: no PutMetricData.
                logGroupArns: [logGroupArn],
                // The log group's ARN names the region and account the model is invoked in.
                modelArns: bedrockModel ? bedrockModelArns(bedrockModel, scopeOfArn(logGroupArn)) : [],
              }),
            ),
          ),
      },
      { parent: this },
    );

    const timeout = args.timeoutSeconds ?? defaultApiTimeoutSeconds;
    this.function = new lambda.Function(
      `${name}-function`,
      {
        description: `AIPM ${args.environment} API ${args.version}`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.FileArchive(args.bundleDir),
        role: this.role.arn,
        memorySize: args.memoryMb ?? defaultApiMemoryMb,
        // Also bounds a streamed response: a live event stream ends 5 s before it, with retry:.
        timeout,
        loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
        environment: {
          variables: {
            AIPM_ENV: args.environment,
            AIPM_VERSION: args.version,
            AIPM_COMMIT: args.commit ?? args.version,
            AIPM_GITHUB_TOKEN_SECRET_ARN: args.secrets.githubToken,
            AIPM_GITHUB_WEBHOOK_SECRET_ARN: args.secrets.webhookSecret,
            AIPM_API_TOKEN_SECRET_ARN: args.secrets.apiToken,
            ...(args.defaultAgent === undefined ? {} : { AIPM_AGENT: args.defaultAgent }),
            ...aiVariables(args.ai, timeout),
            AIPM_LOG_LEVEL: "info",
            NODE_OPTIONS: "--enable-source-maps",
          },
        },
      },
      { parent: this },
    );
    this.functionUrl = new lambda.FunctionUrl(
      `${name}-url`,
      {
        functionName: this.function.name,
        authorizationType: "AWS_IAM",
        // The handler is streamified (packages/api/src/lambda.ts): the task events' SSE reaches
        // the browser as it is written, and a live stream ends before the timeout with retry:.
        invokeMode: "RESPONSE_STREAM",
      },
      { parent: this },
    );

    this.housekeepingSchedule = new cloudwatch.EventRule(
      `${name}-housekeeping`,
      {
        description: `AIPM ${args.environment} API housekeeping: requeue expired leases, publish the queue depth`,
        scheduleExpression: "rate(1 minute)",
      },
      { parent: this },
    );
    new cloudwatch.EventTarget(
      `${name}-housekeeping-target`,
      { rule: this.housekeepingSchedule.name, arn: this.function.arn },
      { parent: this },
    );
    new lambda.Permission(
      `${name}-housekeeping-invoke`,
      {
        function: this.function.name,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: this.housekeepingSchedule.arn,
      },
      { parent: this },
    );

    const alarm = (metricName: "Errors" | "Throttles", threshold: number, description: string) =>
      new cloudwatch.MetricAlarm(
        `${name}-${metricName.toLowerCase()}`,
        {
          alarmDescription: description,
          namespace: "AWS/Lambda",
          metricName,
          dimensions: { FunctionName: this.function.name },
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: args.alarmActions ?? [],
          okActions: args.alarmActions ?? [],
        },
        { parent: this },
      );
    alarm("Errors", args.errorsThreshold ?? 5, `AIPM ${args.environment} API: invocations failing`);
    alarm("Throttles", 1, `AIPM ${args.environment} API: invocations throttled`);

    this.registerOutputs({ functionName: this.function.name, functionUrl: this.functionUrl.functionUrl });
  }
}

/**
 * The API's AI settings as its environment; the key only as its secret's ARN. A model call gets 5 s
 * less than the function: cut off by Lambda, it would answer nothing; timed out by the API, it
 * answers what happened.
 */
function aiVariables(ai: ApiArgs["ai"], timeoutSeconds: number): Record<string, pulumi.Input<string>> {
  if (ai === undefined) return {};
  return {
    AIPM_AI_PROVIDER: ai.provider,
    AIPM_AI_MODEL: aiModel(ai),
    ...(ai.baseUrl === undefined ? {} : { AIPM_AI_BASE_URL: ai.baseUrl }),
    ...(ai.openaiApi === undefined ? {} : { AIPM_AI_OPENAI_API: ai.openaiApi }),
    ...(ai.apiKeySecretArn === undefined ? {} : { AIPM_AI_API_KEY_SECRET_ARN: ai.apiKeySecretArn }),
    AIPM_AI_TIMEOUT_MS: String(Math.max(1, timeoutSeconds - 5) * 1000),
  };
}
