/**
 * The contract between the code and IAM: every AWS call the API (housekeeping included) and the
 * worker made during their own test suites is allowed by the role that process runs under, as
 * this package generates the role's policy. The calls are recorded by @aipm/store's
 * aws-call-log.ts into packages/api/.aws-calls/ and packages/worker/.aws-calls/ (Turborepo runs
 * those packages' tests first and restores the files on a cache hit); the policies come from a
 * whole environment deployed under mocks, and are evaluated here as IAM does for an identity
 * policy: an explicit Deny wins, otherwise an unconditional Allow whose action and resource
 * patterns (`*` and `?` wildcards) match. A new SDK call without a grant fails this test.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { environmentNamePattern, type TableLogicalName, tableLogicalNames, tableName } from "@aipm/shared";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument, PolicyStatement } from "./access-policies.ts";
import { writeBuildFixtures } from "./build-fixtures.ts";
import { type MockDeployment, mockAccount, mockRegion, startMockDeployment } from "./mock-deployment.ts";

/** One recorded call, as aws-call-log.ts writes it. */
interface AwsCall {
  process: string;
  service: string;
  command: string;
  resources: string[];
  parts?: { operation: string; resource: string }[];
}

/** The recordings, and the processes each must contain calls of (so the test cannot pass vacuously). */
const recordings = [
  { file: "../../api/.aws-calls/api.jsonl", package: "@aipm/api", processes: ["api"] },
  { file: "../../worker/.aws-calls/worker.jsonl", package: "@aipm/worker", processes: ["worker"] },
];

/** Each process, and the Pulumi name of the role it runs under in an environment `env`. */
const roles: Record<string, (env: string) => string> = {
  api: (env) => `aipm-${env}-api-role`,
  worker: (env) => `aipm-${env}-workers-role`,
};

/**
 * Processes that run under no role: their calls happen only in local mode (`aipm start`). The
 * local git forge's pull requests are composed only when AIPM_LOCAL_REPOS_DIR is set, which the
 * deployed API never is (checked below).
 */
const localOnly: Record<string, string> = { "local-forge": "AIPM_LOCAL_REPOS_DIR" };

const ENV = "test";

function readRecordings(): AwsCall[] {
  const calls: AwsCall[] = [];
  for (const recording of recordings) {
    const path = fileURLToPath(new URL(recording.file, import.meta.url));
    const rerun = `run ${recording.package}'s tests first (pnpm test does: @aipm/infra#test depends on them)`;
    if (!existsSync(path)) throw new Error(`No recording of AWS calls at ${path}: ${rerun}.`);
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    const recorded = lines.map((line) => JSON.parse(line) as AwsCall);
    for (const process of recording.processes) {
      if (!recorded.some((call) => call.process === process)) {
        throw new Error(`${path} records no call of the ${process} process: ${rerun}.`);
      }
    }
    calls.push(...recorded);
  }
  return calls;
}

/** A glob of IAM's (`*` any run, `?` one character) as a regular expression. */
function globPattern(glob: string, caseInsensitive: boolean): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, caseInsensitive ? "i" : "");
}

const listOf = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function statementMatches(statement: PolicyStatement, action: string, resource: string): boolean {
  // Actions compare case-insensitively, resources exactly.
  return (
    listOf(statement.Action).some((pattern) => globPattern(pattern, true).test(action)) &&
    listOf(statement.Resource).some((pattern) => globPattern(pattern, false).test(resource))
  );
}

/** Whether the identity policies allow `action` on `resource`; Allow statements with conditions never count. */
function policiesAllow(policies: readonly PolicyDocument[], action: string, resource: string): boolean {
  const statements = policies.flatMap((policy) => policy.Statement);
  if (statements.some((s) => s.Effect === "Deny" && statementMatches(s, action, resource))) return false;
  return statements.some(
    (s) => s.Effect === "Allow" && !s.Condition && statementMatches(s, action, resource),
  );
}

/** The kebab-case suffix of each table's physical name. */
const tableSuffixes = tableLogicalNames
  .map((logical) => ({ logical, suffix: tableName("x", logical).slice("aipm-x-".length) }))
  .sort((a, b) => b.suffix.length - a.suffix.length);

/** The logical table of a physical name in any environment, e.g. `aipm-w123-1-task-events`. */
function logicalTable(physical: string): TableLogicalName | undefined {
  for (const { logical, suffix } of tableSuffixes) {
    const environment = physical.match(new RegExp(`^aipm-(.+)-${suffix}$`))?.[1];
    if (environment && environmentNamePattern.test(environment)) return logical;
  }
  return undefined;
}

/** A required permission: the action, the resource's ARN in the deployed environment, and how to name it. */
interface Requirement {
  action: string;
  arn: string;
  shown: string;
}

const transactionActions: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

/** `table/<name>[/index/<index>]` as the ARN in the deployed environment. */
function tableRequirement(action: string, resource: string): Requirement {
  const [, physical = "", index] = resource.match(/^table\/([^/]+)(?:\/index\/(.+))?$/) ?? [];
  const logical = logicalTable(physical);
  const table = logical ? tableName(ENV, logical) : physical;
  const path = index ? `${table}/index/${index}` : table;
  return {
    action,
    arn: `arn:aws:dynamodb:${mockRegion}:${mockAccount}:table/${path}`,
    shown: logical ? path : `${path} (not one of AIPM's tables)`,
  };
}

const secretKinds = ["github-token", "webhook-secret", "api-token"];

/** An Auto Scaling call's group, as its ARN (any group id) in the deployed environment. */
function groupRequirement(action: string, resources: readonly string[]): Requirement {
  const name = resources.find((resource) => resource.startsWith("AutoScalingGroupName="))?.slice(21) ?? "";
  const environment = name.match(/^aipm-(.+)-workers$/)?.[1];
  const group = environment && environmentNamePattern.test(environment) ? `aipm-${ENV}-workers` : name;
  return {
    action,
    arn: `arn:aws:autoscaling:${mockRegion}:${mockAccount}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${group}`,
    shown:
      group === name && !environment
        ? `group ${name || "(none)"} (not AIPM's worker group)`
        : `group ${group}`,
  };
}

/** How IAM authorises Bedrock's runtime calls: the Converse APIs as the InvokeModel actions. */
const bedrockActions: Record<string, string> = {
  Converse: "bedrock:InvokeModel",
  ConverseStream: "bedrock:InvokeModelWithResponseStream",
  InvokeModel: "bedrock:InvokeModel",
  InvokeModelWithResponseStream: "bedrock:InvokeModelWithResponseStream",
};

/**
 * A Bedrock call's model as the ARNs IAM checks: a foundation model in the region; a cross-region
 * inference profile (`us.`, `eu.`, `global.`, ...) in the region and account, and its foundation
 * model in another region the profile may route the request to (us-west-2 stands for them).
 */
function modelRequirements(call: AwsCall): Requirement[] {
  const action = bedrockActions[call.command] ?? `bedrock:${call.command}`;
  const model = call.resources.find((resource) => resource.startsWith("modelId="))?.slice(8) ?? "";
  const profile = /^(us|us-gov|eu|apac|ca|jp|au|global)\.(.+)$/.exec(model);
  if (!profile?.[2]) {
    return [
      { action, arn: `arn:aws:bedrock:${mockRegion}::foundation-model/${model}`, shown: `model ${model}` },
    ];
  }
  return [
    {
      action,
      arn: `arn:aws:bedrock:${mockRegion}:${mockAccount}:inference-profile/${model}`,
      shown: `inference profile ${model}`,
    },
    {
      action,
      arn: `arn:aws:bedrock:us-west-2::foundation-model/${profile[2]}`,
      shown: `foundation model ${profile[2]} in us-west-2, where the profile may route`,
    },
  ];
}

/** What IAM checks for one recorded call. `secretArns` are the deployed secrets' ARNs. */
function requirements(call: AwsCall, secretArns: readonly string[]): Requirement[] {
  if (call.service === "dynamodb") {
    // A transaction is authorised per item: PutItem, UpdateItem, ..., on each item's table.
    if (call.command === "TransactWriteItems" || call.command === "TransactGetItems") {
      return (call.parts ?? []).map((part) =>
        tableRequirement(transactionActions[part.operation] ?? `dynamodb:${part.operation}`, part.resource),
      );
    }
    return call.resources.map((resource) => tableRequirement(`dynamodb:${call.command}`, resource));
  }
  if (call.service === "secretsmanager") {
    return call.resources.map((id) => {
      const kind = secretKinds.find((candidate) => id.includes(candidate));
      const arn = kind && secretArns.find((candidate) => candidate.includes(`-secrets-${kind}-`));
      return {
        action: `secretsmanager:${call.command}`,
        arn: arn || id,
        shown: arn
          ? `secret ${kind}`
          : kind
            ? `secret ${kind} (granted to no role)`
            : `secret ${id} (not one of AIPM's secrets: ${secretKinds.join(", ")})`,
      };
    });
  }
  if (call.service === "autoscaling")
    return [groupRequirement(`autoscaling:${call.command}`, call.resources)];
  if (call.service === "bedrock") return modelRequirements(call);
  // Another service: teach this test its resources' ARNs before granting it.
  return [
    {
      action: `${call.service}:${call.command}`,
      arn: `unmapped:${call.resources.join(",")}`,
      shown: `${call.resources.join(", ") || "no resource"} (iam-contract.test.ts maps no ${call.service} resource to an ARN yet)`,
    },
  ];
}

/** One line per recorded call IAM would refuse, e.g. `worker: dynamodb:UpdateItem on aipm-test-tasks is not allowed by the worker role`. */
function ungrantedCalls(
  calls: readonly AwsCall[],
  policiesOf: (process: string) => readonly PolicyDocument[] | undefined,
  secretArns: readonly string[],
): string[] {
  const lines = new Set<string>();
  for (const call of calls) {
    if (call.process in localOnly) continue;
    const policies = policiesOf(call.process);
    if (!policies) {
      lines.add(
        `${call.process}: ${call.service}:${call.command} was made by a client labelled with no role's process (label it api or worker)`,
      );
      continue;
    }
    for (const requirement of requirements(call, secretArns)) {
      if (!policiesAllow(policies, requirement.action, requirement.arn)) {
        lines.add(
          `${call.process}: ${requirement.action} on ${requirement.shown} is not allowed by the ${call.process} role`,
        );
      }
    }
  }
  return [...lines].sort();
}

let deployment: MockDeployment;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: ENV });
  const { AipmEnvironment } = await import("./components/aipm-environment.ts");
  const fixtures = writeBuildFixtures();
  new AipmEnvironment(`aipm-${ENV}`, {
    environment: ENV,
    version: "2024.06.1",
    api: { bundleDir: fixtures.apiBundleDir },
    web: { assetsDir: fixtures.webAssetsDir },
    workers: { bundlePath: fixtures.workerBundle, minSize: 1, maxSize: 2 },
    secrets: {
      githubToken: pulumi.secret("ghp_contractTestToken0000000000000000"),
      webhookSecret: pulumi.secret("contract-test-webhook-secret"),
      apiToken: pulumi.secret("contract-test-admin-api-token"),
    },
    github: { owner: "acme", repository: "aipm", adminToken: pulumi.secret("ghp_contractAdmin0000") },
    // The AI actions on Bedrock with the default model, the one the API's tests call
    // (packages/api/src/ai/model.test.ts): its role is granted that model alone.
    ai: { provider: "bedrock" },
  });
  await deployment.settle();
});

/** The inline policies of each process's role, as generated. */
function rolePolicies(): Record<string, PolicyDocument[]> {
  const policies = deployment.ofType("aws:iam/rolePolicy:RolePolicy");
  return Object.fromEntries(
    Object.entries(roles).map(([process, role]) => {
      // Under the mocks a resource's id is `<name>-id`; the role policy names its role by id.
      const own = policies.filter((policy) => policy.inputs.role === `${role(ENV)}-id`);
      return [process, own.map((policy) => JSON.parse(policy.inputs.policy) as PolicyDocument)];
    }),
  );
}

describe("the IAM contract: every recorded AWS call is granted to its process's role", () => {
  it("finds each role's generated policy", () => {
    const byProcess = rolePolicies();
    for (const process of Object.keys(roles)) expect(byProcess[process]?.length, process).toBeGreaterThan(0);
  });

  it("never composes the local-only processes in AWS: the API function's environment lacks their setting", () => {
    const functions = deployment.ofType("aws:lambda/function:Function");
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const variables = Object.keys(fn.inputs.environment?.variables ?? {});
      for (const setting of Object.values(localOnly)) expect(variables, fn.name).not.toContain(setting);
    }
  });

  it("allows every call the API and the worker made in their tests", () => {
    const calls = readRecordings();
    const byProcess = rolePolicies();
    const secretArns = Object.values(byProcess)
      .flat()
      .flatMap((policy) => policy.Statement.flatMap((statement) => listOf(statement.Resource)))
      .filter((arn) => arn.startsWith("arn:aws:secretsmanager:"));
    expect(ungrantedCalls(calls, (process) => byProcess[process], secretArns)).toEqual([]);
  });
});

describe("the policy evaluation", () => {
  const table = `arn:aws:dynamodb:${mockRegion}:${mockAccount}:table/aipm-${ENV}-tasks`;
  const policy: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["dynamodb:Query", "dynamodb:GetItem"],
        Resource: [table, `${table}/index/*`],
      },
    ],
  };

  it("matches actions case-insensitively and resources with wildcards, indexes included", () => {
    expect(policiesAllow([policy], "dynamodb:Query", `${table}/index/byStatus`)).toBe(true);
    expect(policiesAllow([policy], "DynamoDB:getitem", table)).toBe(true);
    expect(policiesAllow([policy], "dynamodb:PutItem", table)).toBe(false);
    expect(policiesAllow([policy], "dynamodb:Query", `${table}-archive`)).toBe(false);
    expect(policiesAllow([policy], "dynamodb:Query", table.replace("tasks", "tokens"))).toBe(false);
  });

  it("lets an explicit Deny win and never counts a conditional Allow", () => {
    const deny: PolicyStatement = { Effect: "Deny", Action: ["dynamodb:*"], Resource: [`${table}/index/*`] };
    const conditional: PolicyStatement = {
      Effect: "Allow",
      Action: ["dynamodb:PutItem"],
      Resource: [table],
      Condition: { Bool: { "aws:SecureTransport": "true" } },
    };
    const policies = [policy, { Version: "2012-10-17" as const, Statement: [deny, conditional] }];
    expect(policiesAllow(policies, "dynamodb:Query", `${table}/index/byStatus`)).toBe(false);
    expect(policiesAllow(policies, "dynamodb:Query", table)).toBe(true);
    expect(policiesAllow(policies, "dynamodb:PutItem", table)).toBe(false);
  });

  it("checks a transaction per item, maps any environment's tables, and names what is missing", () => {
    const calls: AwsCall[] = [
      {
        process: "worker",
        service: "dynamodb",
        command: "TransactWriteItems",
        resources: ["table/aipm-w42-1-tasks"],
        parts: [{ operation: "Update", resource: "table/aipm-w42-1-tasks" }],
      },
      {
        process: "worker",
        service: "dynamodb",
        command: "Query",
        resources: ["table/aipm-w42-1-tasks/index/byStatus"],
      },
      { process: "worker", service: "dynamodb", command: "Scan", resources: ["table/other"] },
      { process: "cli", service: "dynamodb", command: "GetItem", resources: ["table/aipm-w42-1-tasks"] },
      { process: "worker", service: "secretsmanager", command: "GetSecretValue", resources: ["arn:x:other"] },
    ];
    expect(ungrantedCalls(calls, (process) => (process === "worker" ? [policy] : undefined), [])).toEqual([
      "cli: dynamodb:GetItem was made by a client labelled with no role's process (label it api or worker)",
      "worker: dynamodb:Scan on other (not one of AIPM's tables) is not allowed by the worker role",
      `worker: dynamodb:UpdateItem on aipm-${ENV}-tasks is not allowed by the worker role`,
      "worker: secretsmanager:GetSecretValue on secret arn:x:other (not one of AIPM's secrets: github-token, webhook-secret, api-token) is not allowed by the worker role",
    ]);
  });

  it("checks a Bedrock call against its inference profile here and its foundation model where the profile routes", () => {
    const profile = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const call = (modelId: string): AwsCall => ({
      process: "api",
      service: "bedrock",
      command: "ConverseStream",
      resources: [`modelId=${modelId}`],
    });
    const grant = (resources: string[]): PolicyDocument => ({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["bedrock:InvokeModelWithResponseStream"], Resource: resources },
      ],
    });
    const here = `arn:aws:bedrock:${mockRegion}:${mockAccount}:inference-profile/${profile}`;
    const anywhere = "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";
    expect(ungrantedCalls([call(profile)], () => [grant([here, anywhere])], [])).toEqual([]);
    expect(ungrantedCalls([call(profile)], () => [grant([here])], [])).toEqual([
      "api: bedrock:InvokeModelWithResponseStream on foundation model anthropic.claude-sonnet-4-5-20250929-v1:0 in us-west-2, where the profile may route is not allowed by the api role",
    ]);
    expect(ungrantedCalls([call("amazon.nova-lite-v1:0")], () => [grant([here, anywhere])], [])).toEqual([
      "api: bedrock:InvokeModelWithResponseStream on model amazon.nova-lite-v1:0 is not allowed by the api role",
    ]);
  });
});
