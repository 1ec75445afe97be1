/**
 * @module mock-deployment: runs Pulumi programs and components under `pulumi.runtime.setMocks`
 * (no CLI, no cloud) and captures every registered resource: inputs, options and which inputs
 * were secret. The stacks' tests and this package's tests share it.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

// biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped JSON; tests read them freely.
export type Inputs = Record<string, any>;

export interface CapturedResource {
  /** The type token, e.g. `aws:lambda/function:Function`. */
  type: string;
  /** The logical name. */
  name: string;
  /** The inputs as the provider would receive them, secrets unwrapped. */
  inputs: Inputs;
  /** The parent's URN; empty for a resource without one. */
  parent: string;
  /** Whether the resource is a custom (provider) resource rather than a component. */
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  /** Every string in the inputs that is not inside a secret. */
  plainStrings: string[];
  /** Dotted paths of the inputs that were sent as secrets. */
  secretPaths: string[];
}

export interface MockDeploymentOptions {
  /** The project name; `aipm` unless given. */
  project?: string;
  stack: string;
  /** Stack configuration, keys namespaced (`aipm:version`), values as strings. */
  config?: Record<string, string>;
  /** Configuration keys whose values are secrets. */
  secretKeys?: string[];
}

export interface MockDeployment {
  readonly resources: readonly CapturedResource[];
  /** The custom resources of a type. */
  ofType(type: string): CapturedResource[];
  /** The one resource of a name; throws listing the names when there is none. */
  named(name: string): CapturedResource;
  /** Waits until every pending registration and output has settled. */
  settle(): Promise<void>;
}

/** Account and region of the mocked AWS. */
export const mockAccount = "123456789012";
export const mockRegion = "us-east-1";

const secretSig = "4dabf18193072939515e22adb298388d";
const secretValue = "1b47061264138c4ac30d75fd1eb44270";

function walkStrings(value: unknown, path: string, plain: string[], secrets: string[]): void {
  if (typeof value === "string") {
    plain.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walkStrings(item, `${path}[${index}]`, plain, secrets);
    });
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[secretSig] === secretValue) {
      secrets.push(path);
      return;
    }
    for (const [key, child] of Object.entries(record))
      walkStrings(child, path ? `${path}.${key}` : key, plain, secrets);
  }
}

/** The inputs with every secret wrapper replaced by the value it holds. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[secretSig] === secretValue) return unwrapSecrets(record.value);
  if (Object.getPrototypeOf(record) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(record).map(([key, child]) => [key, unwrapSecrets(child)]));
}

function fakeArn(type: string, name: string, inputs: Inputs): string {
  const [pkg, module] = type.split(/[:/]/);
  const resourceName = typeof inputs.name === "string" ? inputs.name : name;
  return `arn:aws:${module ?? pkg}:${mockRegion}:${mockAccount}:${resourceName}`;
}

/** Outputs the real providers compute, faked plausibly so that interpolations read naturally. */
function mockState(type: string, name: string, inputs: Inputs): Inputs {
  const physical = typeof inputs.name === "string" ? inputs.name : `${name}-0000000`;
  const state: Inputs = { ...inputs, name: physical };
  switch (type) {
    case "aws:dynamodb/table:Table":
      return { ...state, arn: `arn:aws:dynamodb:${mockRegion}:${mockAccount}:table/${physical}` };
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? physical;
      return {
        ...state,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketRegionalDomainName: `${bucket}.s3.${mockRegion}.amazonaws.com`,
      };
    }
    case "aws:lambda/function:Function": {
      const region = inputs.region ?? mockRegion;
      const arn = `arn:aws:lambda:${region}:${mockAccount}:function:${physical}`;
      return { ...state, arn, qualifiedArn: `${arn}:1`, version: "1" };
    }
    case "aws:lambda/functionUrl:FunctionUrl":
      return { ...state, functionUrl: `https://${name}.lambda-url.${mockRegion}.on.aws/` };
    case "aws:cloudfront/distribution:Distribution":
      return {
        ...state,
        arn: `arn:aws:cloudfront::${mockAccount}:distribution/EMOCK-${name}`,
        domainName: "d111111abcdef8.cloudfront.net",
      };
    case "aws:cloudfront/function:Function":
      return { ...state, arn: `arn:aws:cloudfront::${mockAccount}:function/${physical}` };
    case "aws:iam/role:Role":
      return { ...state, arn: `arn:aws:iam::${mockAccount}:role/${physical}` };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { ...state, arn: `arn:aws:iam::${mockAccount}:instance-profile/${physical}` };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return {
        ...state,
        arn: `arn:aws:iam::${mockAccount}:oidc-provider/${String(inputs.url).replace("https://", "")}`,
      };
    case "aws:secretsmanager/secret:Secret":
      return {
        ...state,
        arn: `arn:aws:secretsmanager:${mockRegion}:${mockAccount}:secret:${physical}-AbCdEf`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { ...state, arn: `arn:aws:logs:${mockRegion}:${mockAccount}:log-group:${physical}` };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { ...state, arn: fakeArn(type, name, inputs), latestVersion: 1 };
    default:
      return { ...state, arn: inputs.arn ?? fakeArn(type, name, inputs) };
  }
}

function mockCall(token: string, inputs: Inputs): Inputs {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return {
        name: mockRegion,
        region: mockRegion,
        id: mockRegion,
        endpoint: `ec2.${mockRegion}.amazonaws.com`,
      };
    case "aws:ssm/getParameter:getParameter":
      return { ...inputs, id: inputs.name, type: "String", value: "ami-0123456789abcdef0", version: 1 };
    case "aws:ec2/getVpc:getVpc":
      return { ...inputs, id: "vpc-0123456789abcdef0", default: true };
    case "aws:ec2/getSubnets:getSubnets":
      return { ...inputs, id: mockRegion, ids: ["subnet-0aaaa", "subnet-0bbbb", "subnet-0cccc"] };
    case "github:index/getUser:getUser": {
      const login = String(inputs.username);
      const id = [...login].reduce((sum, character) => sum + character.charCodeAt(0), 1000);
      return { ...inputs, id: String(id), login };
    }
    default:
      return inputs;
  }
}

interface RawRegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getObject(): { toJavaScript(): unknown } | undefined;
}

type RegisterFn = (
  request: RawRegisterRequest,
  callback: (error: unknown, response: unknown) => void,
) => unknown;

/**
 * Sets up mocks and configuration, and starts capturing resources. Call it before importing or
 * constructing anything that registers resources.
 *
 * @example const deployment = await startMockDeployment({ stack: "dev", config: readStackConfig("Pulumi.dev.yaml") });
 */
export async function startMockDeployment(options: MockDeploymentOptions): Promise<MockDeployment> {
  const resources: CapturedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) }),
      call: (args) => mockCall(args.token, args.inputs),
    },
    options.project ?? "aipm",
    options.stack,
    false,
  );
  pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);

  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: RegisterFn };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const object = request.getObject();
    const plainStrings: string[] = [];
    const secretPaths: string[] = [];
    walkStrings(object?.toJavaScript() ?? {}, "", plainStrings, secretPaths);
    resources.push({
      type: request.getType(),
      name: request.getName(),
      inputs: object ? (unwrapSecrets(pulumi.runtime.deserializeProperties(object as never)) as Inputs) : {},
      parent: request.getParent(),
      custom: request.getCustom(),
      protect: request.getProtect(),
      retainOnDelete: request.getRetainondelete(),
      plainStrings,
      secretPaths,
    });
    return register(request, callback);
  };

  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  return {
    resources,
    ofType: (type) => resources.filter((resource) => resource.type === type),
    named: (name) => {
      const found = resources.find((resource) => resource.name === name);
      if (!found) {
        throw new Error(
          `No resource named "${name}"; registered: ${resources.map((r) => r.name).join(", ")}`,
        );
      }
      return found;
    },
    settle: async () => {
      let count = -1;
      while (count !== resources.length) {
        count = resources.length;
        await waitForRPCs?.();
        for (let tick = 0; tick < 20; tick++) await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

/**
 * The plain (non-`secure:`) configuration of a `Pulumi.<stack>.yaml`, as `setAllConfig` takes it:
 * keys namespaced, structured values as JSON.
 *
 * @example readStackConfig("Pulumi.dev.yaml") // { "aipm:githubOwner": "acme", ... }
 */
export function readStackConfig(file: string, project = "aipm"): Record<string, string> {
  // js-yaml is @pulumi/pulumi's own dependency; borrowing it keeps this package's dependencies as they are.
  const requireFromPulumi = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
  const yaml = requireFromPulumi("js-yaml") as { load(text: string): unknown };
  const document = (yaml.load(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(document.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in value) continue;
    const namespaced = key.includes(":") ? key : `${project}:${key}`;
    config[namespaced] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** The `Pulumi.yaml` of a project directory, parsed. */
export function readProjectFile(file: string): {
  name: string;
  main?: string;
  runtime: { name: string; options?: Record<string, unknown> } | string;
} {
  const requireFromPulumi = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
  const yaml = requireFromPulumi("js-yaml") as { load(text: string): unknown };
  return yaml.load(readFileSync(file, "utf8")) as ReturnType<typeof readProjectFile>;
}

/**
 * The value of an output, once known.
 *
 * @example expect(await outputValue(program.webUrl)).toMatch(/^https:/);
 */
export function outputValue<T>(output: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(output).apply((value) => {
      resolve(value);
      return value;
    });
  });
}
