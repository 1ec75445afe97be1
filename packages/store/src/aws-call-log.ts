/**
 * @module aws-call-log: records which AWS calls a process makes, for the contract test between
 * the code and the IAM roles (packages/infra/src/iam-contract.test.ts). Off unless the environment
 * variable `AIPM_AWS_CALL_LOG` names a file; then each distinct call (process, service, operation,
 * resources) is appended to it once per Node process as one JSON line. Lines are appended with
 * O_APPEND, so the test files' parallel workers can share one file.
 */
import { appendFileSync } from "node:fs";

/** One recorded call. */
export interface AwsCall {
  /** Whose role makes the call: `api` (the Lambda, housekeeping included) or `worker`. */
  process: string;
  /** The IAM service prefix: `dynamodb`, `secretsmanager`, `autoscaling`, `bedrock`, ... */
  service: string;
  /** The operation, as in the IAM action `<service>:<command>`: `Query`, `TransactWriteItems`, ... */
  command: string;
  /**
   * What the call names, sorted: DynamoDB `table/<name>` or `table/<name>/index/<index>`, a
   * secret's id (name or ARN) as given, or `<Field>=<value>` for other services' name fields
   * (a Bedrock call's model: `modelId=<model id or ARN>`).
   */
  resources: string[];
  /** A transaction's items: the operation on each (`Put`, `Update`, `Delete`, `ConditionCheck`, `Get`), distinct, sorted. */
  parts?: { operation: string; resource: string }[];
}

/** The environment variable naming the file calls are appended to. */
export const awsCallLogVariable = "AIPM_AWS_CALL_LOG";

type Input = Record<string, unknown>;

const record = (value: unknown): Input =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Input) : {};
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

function tableResource(input: Input): string | undefined {
  const table = text(input.TableName);
  if (!table) return undefined;
  const index = text(input.IndexName);
  return index ? `table/${table}/index/${index}` : `table/${table}`;
}

/** Name fields of other services' inputs worth recording as resources. */
const nameFields = [
  "AutoScalingGroupName",
  "LifecycleHookName",
  "logGroupName",
  "Bucket",
  "QueueUrl",
  "modelId",
];

/**
 * What a call's input names: its tables (with the index queried or scanned), the tables of a
 * batch's `RequestItems`, a transaction's items, a secret's id.
 *
 * @example callResources("dynamodb", { TableName: "t", IndexName: "i" }) // { resources: ["table/t/index/i"] }
 */
export function callResources(
  service: string,
  input: unknown,
): { resources: string[]; parts?: AwsCall["parts"] } {
  const fields = record(input);
  if (service === "dynamodb") {
    const resources: string[] = [];
    const single = tableResource(fields);
    if (single) resources.push(single);
    for (const table of Object.keys(record(fields.RequestItems))) resources.push(`table/${table}`);
    const items = Array.isArray(fields.TransactItems) ? fields.TransactItems : [];
    const parts = new Map<string, { operation: string; resource: string }>();
    for (const item of items) {
      for (const [operation, body] of Object.entries(record(item))) {
        const resource = tableResource(record(body));
        if (!resource) continue;
        resources.push(resource);
        parts.set(`${operation} ${resource}`, { operation, resource });
      }
    }
    return {
      resources: sorted(resources),
      ...(items.length > 0
        ? {
            parts: [...parts.keys()]
              .sort()
              .map((key) => parts.get(key) as { operation: string; resource: string }),
          }
        : {}),
    };
  }
  if (service === "secretsmanager") {
    const id = text(fields.SecretId);
    return { resources: id ? [id] : [] };
  }
  return {
    resources: sorted(
      nameFields.flatMap((field) => {
        const value = text(fields[field]);
        return value ? [`${field}=${value}`] : [];
      }),
    ),
  };
}

interface MiddlewareContext {
  commandName?: string;
}
type Handler = (args: { input: unknown }) => Promise<unknown>;
type Middleware = (next: Handler, context: MiddlewareContext) => Handler;
interface Command {
  middlewareStack: {
    add(middleware: Middleware, options: { step: "initialize"; name: string; override: boolean }): void;
  };
}
interface Sender {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK clients' send is overloaded per command type.
  send(command: any, ...rest: any[]): Promise<any>;
}

const written = new Set<string>();

function append(file: string, call: AwsCall): void {
  const line = JSON.stringify(call);
  if (written.has(`${file}\n${line}`)) return;
  written.add(`${file}\n${line}`);
  appendFileSync(file, `${line}\n`, { flag: "a" });
}

/**
 * The client, recording each call sent through it as `caller`'s (`api`, `worker`), when `AIPM_AWS_CALL_LOG` is
 * set; otherwise the client itself. Every command sent through the returned view gets an
 * `initialize` middleware that appends the call (operation from the SDK's context, resources from
 * the input) before it goes out, so calls that fail are recorded too. A view rather than a
 * middleware on the client: the tests hand one client to the API, to a worker and to their own
 * setup, and only the first two's calls are made under a role.
 *
 * @example const dynamo = { ...given, client: recordAwsCalls(given.client, "dynamodb", "api") };
 */
export function recordAwsCalls<Client extends Sender>(
  client: Client,
  service: string,
  caller: string,
): Client {
  const file = process.env[awsCallLogVariable];
  if (!file) return client;
  const middleware: Middleware = (next, context) => async (args) => {
    const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
    append(file, { process: caller, service, command, ...callResources(service, args.input) });
    return next(args);
  };
  const send = (command: Command, ...rest: unknown[]) => {
    command.middlewareStack.add(middleware, { step: "initialize", name: "aipmAwsCallLog", override: true });
    return client.send(command, ...rest);
  };
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === "send" ? send : Reflect.get(target, property, receiver),
  });
}

/** Every call recorded in a log file's text, in order; blank lines skipped. */
export function parseAwsCalls(log: string): AwsCall[] {
  return log
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AwsCall);
}
