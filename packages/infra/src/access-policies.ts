/**
 * @module access-policies: IAM permission documents for the roles AIPM's code runs under, built
 * from exactly the ARNs a role needs, so each role can touch only its own tables, secrets, logs and
 * (the API's, with Bedrock) model.
 */
import type { TableLogicalName } from "@aipm/shared";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/**
 * The DynamoDB calls the stores make (packages/store/src): item reads and writes, batched reads
 * (BatchGetItem), conditional transactions (TransactWriteItems is authorised per item action plus
 * ConditionCheckItem, across the tables of its items), Query and Scan, and DescribeTable for the
 * health check. No table management. access-policies.test.ts checks this list against the
 * commands the stores send.
 */
export const tableDataActions = [
  "dynamodb:BatchGetItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DeleteItem",
  "dynamodb:DescribeTable",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:UpdateItem",
] as const;

export const secretReadActions = ["secretsmanager:GetSecretValue"] as const;
export const logWriteActions = [
  "logs:CreateLogStream",
  "logs:DescribeLogStreams",
  "logs:PutLogEvents",
] as const;
export const objectReadActions = ["s3:GetObject"] as const;
/**
 * Inference on a Bedrock model: ConverseStream, which the API calls, is authorised as
 * InvokeModelWithResponseStream; Converse (the same model's answer, not streamed) as InvokeModel.
 * Together they are a model's inference and nothing more; AWS's own guidance grants and denies them
 * as a pair.
 */
export const modelInvokeActions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"] as const;

/** The tables the API Lambda uses; `pullRequests` belongs to the local forge, which AWS does not run. */
export const apiTables: readonly TableLogicalName[] = [
  "projects",
  "stories",
  "tasks",
  "taskEvents",
  "tokens",
  "idempotency",
  "workers",
];

/**
 * The tables a worker uses: it claims tasks, records events, heartbeats, reads stories and projects,
 * and records acceptance tests' results.
 */
export const workerTables: readonly TableLogicalName[] = [
  "projects",
  "stories",
  "tasks",
  "taskEvents",
  "workers",
];

export interface AccessGrants {
  /** Tables read and written with {@link tableDataActions}; their indexes come with them. */
  tableArns?: readonly string[];
  /** Secrets Manager secrets read with GetSecretValue. */
  secretArns?: readonly string[];
  /** CloudWatch log groups written (their streams come with them). */
  logGroupArns?: readonly string[];
  /** S3 objects read: object ARNs or key patterns, e.g. `arn:aws:s3:::bucket/worker/*`. */
  objectArns?: readonly string[];
  /** Bedrock models invoked with {@link modelInvokeActions} (ai-settings.ts's `bedrockModelArns`). */
  modelArns?: readonly string[];
}

function requireArns(kind: string, arns: readonly string[]): void {
  for (const arn of arns) {
    if (!arn.startsWith("arn:") || arn.includes("\n")) {
      throw new Error(`${kind} must be given as ARNs starting with "arn:"; got "${arn}".`);
    }
    if (arn === "*" || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(arn)) {
      throw new Error(`${kind} must name specific resources, not "${arn}".`);
    }
  }
}

const unique = (values: readonly string[]) => [...new Set(values)];

/**
 * A permission document granting exactly `grants`: one statement per kind of access, each listing
 * only the given ARNs (tables also their `/index/*`, log groups also their streams).
 *
 * @example accessPolicy({ tableArns: [tasks.arn], secretArns: [token.arn] })
 */
export function accessPolicy(grants: AccessGrants): PolicyDocument {
  const statements: PolicyStatement[] = [];
  const tables = unique(grants.tableArns ?? []);
  const secrets = unique(grants.secretArns ?? []);
  const logGroups = unique(grants.logGroupArns ?? []);
  const objects = unique(grants.objectArns ?? []);
  const models = unique(grants.modelArns ?? []);
  requireArns("Tables", tables);
  requireArns("Secrets", secrets);
  requireArns("Log groups", logGroups);
  requireArns("Objects", objects);
  requireArns("Models", models);

  if (tables.length > 0) {
    statements.push({
      Sid: "Tables",
      Effect: "Allow",
      Action: [...tableDataActions],
      Resource: tables.flatMap((arn) => [arn, `${arn}/index/*`]),
    });
  }
  if (secrets.length > 0) {
    statements.push({ Sid: "Secrets", Effect: "Allow", Action: [...secretReadActions], Resource: secrets });
  }
  if (logGroups.length > 0) {
    statements.push({
      Sid: "Logs",
      Effect: "Allow",
      Action: [...logWriteActions],
      Resource: logGroups.flatMap((arn) => [arn, `${arn}:*`]),
    });
  }
  if (objects.length > 0) {
    statements.push({ Sid: "Objects", Effect: "Allow", Action: [...objectReadActions], Resource: objects });
  }
  if (models.length > 0) {
    statements.push({ Sid: "Models", Effect: "Allow", Action: [...modelInvokeActions], Resource: models });
  }
  if (statements.length === 0) {
    throw new Error(
      "An access policy needs at least one grant: pass tableArns, secretArns, logGroupArns, objectArns or modelArns.",
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}
