/**
 * @module config-docs: writes docs/configuration.md, the reference of every environment variable
 * of every AIPM process, from the processes' own zod schemas (`.describe()`, defaults, enums,
 * bounds) plus the few variables read outside a schema, listed here.
 *
 *   node --import tsx scripts/config-docs.ts           write docs/configuration.md  (pnpm docs:config)
 *   node --import tsx scripts/config-docs.ts --check   fail when it is stale        (pnpm docs:check)
 *
 * Both modes also fail when a source file under packages/<name>/src (test-only packages aside)
 * names an `AIPM_*` variable the reference does not list, so that none goes undocumented.
 */
import { execFileSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir, hostname } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { apiEnvSchema } from "../packages/api/src/env.ts";
import { workerEnvSchema } from "../packages/worker/src/env.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "docs", "configuration.md");
const FIX = "pnpm docs:config";

/** One row of a table. */
interface Variable {
  name: string;
  type: string;
  /** As shown: a code span, or prose such as "none". */
  default: string;
  description: string;
}

/** A subset of the JSON Schema `z.toJSONSchema` writes for one field. */
interface JsonField {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonField[];
  default?: unknown;
  description?: string;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
}

/** What the script needs of a zod 4 object schema; the schema's own `toJSONSchema` does the walk. */
interface EnvSchema {
  toJSONSchema(params: { io: "input"; unrepresentable: "any" }): {
    properties?: Record<string, unknown>;
  };
}

/**
 * Defaults computed on the machine that loads the schema (its host name, its HOME), shown as the
 * rule rather than this machine's value, so that the file is the same everywhere.
 */
const machineDefaults: Record<string, Record<string, string>> = {
  worker: {
    AIPM_WORKER_ID: "`<host name>-<process id>`",
    AIPM_WORKER_CACHE_DIR: "`$HOME/.cache/aipm-worker`",
  },
};

const code = (text: string) => `\`${text}\``;

function describeType(field: JsonField): string {
  if (field.anyOf) return field.anyOf.map(describeType).join(", or ");
  if (field.enum) return field.enum.map((value) => code(String(value))).join(", ");
  if (field.type === "integer" || field.type === "number") {
    const { minimum: min, maximum: max, exclusiveMinimum: above } = field;
    if (min !== undefined && max !== undefined) return `${field.type} from ${min} to ${max}`;
    const bounds = [
      above !== undefined ? `above ${above}` : min !== undefined ? `at least ${min}` : "",
      max !== undefined ? `at most ${max}` : "",
    ].filter(Boolean);
    return [field.type, bounds.join(" and ")].filter(Boolean).join(" ");
  }
  if (field.format === "uri") return "URL";
  if (field.format === "starts_with" && field.pattern?.startsWith("^")) {
    return `string starting with ${code(field.pattern.slice(1).replace(/\.\*$/, ""))}`;
  }
  const parts = ["string"];
  if (field.pattern) parts.push(`matching ${code(field.pattern)}`);
  if (field.minLength !== undefined && field.maxLength !== undefined)
    parts.push(`of ${field.minLength} to ${field.maxLength} characters`);
  else if (field.minLength !== undefined && field.minLength > 1)
    parts.push(`of at least ${field.minLength} characters`);
  else if (field.maxLength !== undefined) parts.push(`of at most ${field.maxLength} characters`);
  return parts.join(" ");
}

function describeDefault(value: unknown): string {
  if (value === undefined) return "none";
  if (value === "") return "empty";
  return code(String(value));
}

/** The rows of one process's schema, in the schema's order. */
function fromSchema(processName: string, schema: EnvSchema): Variable[] {
  const properties = schema.toJSONSchema({ io: "input", unrepresentable: "any" }).properties ?? {};
  return Object.entries(properties).map(([name, property]) => {
    const field = (typeof property === "object" && property !== null ? property : {}) as JsonField;
    if (!field.description) {
      throw new Error(
        `${processName}: ${name} has no description; add .describe("...") to it in its env schema.`,
      );
    }
    const shown = machineDefaults[processName]?.[name] ?? describeDefault(field.default);
    // The host name and HOME give a machine's value away (a process id alone could be any number).
    const machineSpecific = [hostname(), homedir()].filter((value) => value.length > 2);
    if (!machineDefaults[processName]?.[name] && machineSpecific.some((value) => shown.includes(value))) {
      throw new Error(
        `${processName}: the default of ${name} (${shown}) depends on this machine; add it to machineDefaults in scripts/config-docs.ts.`,
      );
    }
    return { name, type: describeType(field), default: shown, description: field.description };
  });
}

/**
 * The `aipm` command line reads its settings without a zod schema (packages/cli/src/ops-env.ts,
 * start.ts, api-access.ts); they are listed here.
 */
const cliVariables: Variable[] = [
  {
    name: "AIPM_API_TOKEN",
    type: "string",
    default: "none",
    description:
      "The API token the operations commands (`health-check`, `check-queue`, `deploy`, `rollback`, `logs`, `monitor-agents`, `export`, `import`, `backup`, `restore`) send; `--token` wins. For `aipm start`, the admin token (at least 16 characters); generated and saved in `$AIPM_DATA_DIR/admin-token` when unset, and read from there by `logs`, `monitor-agents`, `export`, `import`, `backup` and `restore` against a local API.",
  },
  {
    name: "AIPM_DATA_DIR",
    type: "path",
    default: code(".aipm"),
    description:
      "`aipm start`: where the local store (`dynamodb/`), the local forge's repositories (`repos/`), the worker's cache (`worker/`) and the admin token (`admin-token`) live. `logs`, `monitor-agents`, `export`, `import`, `backup` and `restore` against a local API read the token from there.",
  },
  {
    name: "PORT",
    type: "integer from 0 to 65535",
    default: code("4000"),
    description:
      "`aipm start`: the port of the web app, the API and the forge (0 for any free one). `logs` and `monitor-agents` without a target: the local API's port.",
  },
  {
    name: "HOST",
    type: "string",
    default: code("127.0.0.1"),
    description: "`aipm start`: the address it listens on.",
  },
  {
    name: "AIPM_PUBLIC_URL",
    type: "URL",
    default: "`http://<HOST>:<port>`",
    description: "`aipm start`: the base URL clone URLs and pull-request links start with.",
  },
  {
    name: "AIPM_WORKER_ID",
    type: "string",
    default: code("local-worker"),
    description: "`aipm start`: the local worker's name (the worker's own default differs).",
  },
  {
    name: "AIPM_WORKER_PORT",
    type: "integer from 0 to 65535",
    default: code("0"),
    description:
      "`aipm start`: the local worker's health and metrics port (0: any free one, printed at start).",
  },
  {
    name: "AIPM_LEASE_S",
    type: "integer from 1 to 86400",
    default: code("15"),
    description:
      "`aipm start`: the local worker's lease, shorter than a deployed worker's: a task that was running when `aipm start` stopped is taken back soon after the next start.",
  },
  {
    name: "AIPM_POLL_MS",
    type: "integer from 10 to 3600000",
    default: code("1000"),
    description: "`aipm start`: how often the local worker looks for work when nobody wakes it.",
  },
  {
    name: "AIPM_BUILD_COMMAND",
    type: "shell command",
    default: code("pnpm turbo run build"),
    description: "`deploy`, `rollback`: the build, run by `sh -c`.",
  },
  {
    name: "AIPM_INSTALL_COMMAND",
    type: "shell command",
    default: code("pnpm install --frozen-lockfile"),
    description: "`rollback`: installs the dependencies in the temporary worktree of the commit it deploys.",
  },
  {
    name: "AIPM_AWS_ENDPOINT",
    type: "URL",
    default: "AWS's",
    description:
      "`restart-workers`: another Auto Scaling endpoint (a VPC endpoint, a test double); `--endpoint` wins.",
  },
  {
    name: "AWS_REGION",
    type: "string",
    default: "`AWS_DEFAULT_REGION`",
    description: "`restart-workers`: the region of the worker group; required.",
  },
  {
    name: "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
    type: "string",
    default: "the AWS SDK's chain",
    description:
      "`restart-workers`: credentials, used when both the key id and the secret are set; otherwise the AWS SDK's default chain finds them. `deploy` and `rollback` leave AWS to Pulumi.",
  },
];

/** Fixed by `aipm start` for the API and the worker it runs, whatever the environment says. */
const setByStart = [
  ["AIPM_ENV", code("local")],
  ["AIPM_DYNAMODB_ENDPOINT", "the local store's"],
  ["AIPM_LOCAL_REPOS_DIR", code("$AIPM_DATA_DIR/repos")],
  ["AIPM_WORKER_CACHE_DIR", code("$AIPM_DATA_DIR/worker")],
  ["AIPM_LOCAL_GIT_TOKEN", "the admin token"],
] as const;

/** Read by the worker outside its schema (packages/worker/src/agent/agent-env.ts). */
const workerExtra: Variable[] = [
  {
    name: "AIPM_AGENT_ENV_ALLOW",
    type: "comma-separated variable names",
    default: "none",
    description:
      "More variables passed to every agent; names that look like git, forge, cloud, Pulumi, SSH agent or `AIPM_*` variables never are. See [agents](agents.md#the-agents-environment).",
  },
];

/** Set by the worker in each agent's environment, for the agent to read. */
const agentVariables: Variable[] = [
  {
    name: "AIPM_TASK_FILE",
    type: "path",
    default: "set by the worker",
    description: "The task's `TASK.md` in the worktree.",
  },
  { name: "AIPM_TASK_ID", type: "string", default: "set by the worker", description: "The task's id." },
  { name: "AIPM_STORY_ID", type: "string", default: "set by the worker", description: "The story's id." },
  {
    name: "AIPM_TEST_RESULTS",
    type: "path",
    default: "set by the worker",
    description:
      "In the project's test command only: where a command whose runner the worker does not know may write JUnit XML, read to mark acceptance tests Pass or Fail.",
  },
];

/** Set by the local forge for its pre-receive hook (packages/api/src/forge/git-http.ts, ref-policy.ts). */
const hookVariables: Variable[] = [
  {
    name: "AIPM_NODE",
    type: "path",
    default: "set by the API",
    description: "The Node.js executable the local forge's pre-receive hook runs with.",
  },
  {
    name: "AIPM_MAX_REPOSITORY_BYTES",
    type: "integer",
    default: "set by the API (1 GiB)",
    description: "The hook refuses a push that would take a local repository's objects over this size.",
  },
  {
    name: "AIPM_PUSH_ROLE",
    type: "`admin` or `editor`",
    default: "set by the API",
    description:
      "The role of the token that pushes; the hook refuses any push without it (one that did not come through AIPM's git server).",
  },
];

/** Set by the API's and the worker's test runs (their vitest.config.ts); unset in production. */
const testVariables: Variable[] = [
  {
    name: "AIPM_AWS_CALL_LOG",
    type: "path",
    default: "none (nothing recorded)",
    description:
      "A file the API and the worker append each distinct AWS call they make to, as JSON lines (`@aipm/store`'s `aws-call-log.ts`), for the IAM contract test (`packages/infra/src/iam-contract.test.ts`).",
  },
];

/** Read by the worker's claim-race bench (packages/worker/bench/claim-race.ts), nothing else. */
const benchVariables: Variable[] = [
  {
    name: "AIPM_BENCH_WORKERS",
    type: "integer at least 1",
    default: code("8"),
    description: "How many claim loops race for the queue (`pnpm --filter @aipm/worker bench claims`).",
  },
  {
    name: "AIPM_BENCH_TASKS",
    type: "integer at least 1",
    default: code("1000"),
    description: "How many tasks the claim-race bench queues before the race.",
  },
];

const escapeCell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function table(process: string, rows: readonly Variable[]): string {
  const lines = [
    "| variable | process | type or allowed values | default | description |",
    "|---|---|---|---|---|",
    ...rows.map((row) =>
      [
        "",
        row.name
          .split(", ")
          .map((name) => code(name))
          .join(", "),
        process,
        escapeCell(row.type),
        escapeCell(row.default),
        escapeCell(row.description),
        "",
      ]
        .join(" | ")
        .trim(),
    ),
  ];
  return lines.join("\n");
}

function render(): string {
  const api = fromSchema("api", apiEnvSchema);
  const worker = [...fromSchema("worker", workerEnvSchema), ...workerExtra];
  return `<!-- Generated by scripts/config-docs.ts from the processes' env schemas: do not edit. Run \`${FIX}\` after changing a variable. -->

# Configuration

Every AIPM process takes its settings from environment variables. The API and the worker read
theirs once, at start, through a zod schema, and refuse to start with a message naming each
variable that is wrong; an empty variable counts as unset. This page lists every variable.
It is generated from the processes' own schemas (\`packages/api/src/env.ts\`,
\`packages/worker/src/env.ts\`) and from the variables \`scripts/config-docs.ts\` lists for the
command line; \`pnpm test\` fails when it is out of date (\`${FIX}\` writes it again).

The coding agents' provider variables (\`ANTHROPIC_API_KEY\`, \`OPENAI_API_KEY\`, \`GEMINI_API_KEY\`,
their base URLs, ...) are the CLIs' own; which ones each agent reads is in [agents](agents.md).

## API

The Hono app, in AWS Lambda (\`packages/api/src/lambda.ts\`) or as a Node server
(\`packages/api/src/server.ts\`). In AWS the Pulumi stack sets \`AIPM_ENV\`, \`AIPM_VERSION\`,
\`AIPM_COMMIT\`, \`AIPM_LOG_LEVEL\` and the three secret ARNs; the API reads the secrets'
values itself. With \`aipm:aiProvider\` it also sets \`AIPM_AI_PROVIDER\`, \`AIPM_AI_MODEL\` (the
provider's default spelled out), \`AIPM_AI_TIMEOUT_MS\` (5 s less than the function's timeout),
\`AIPM_AI_BASE_URL\` and \`AIPM_AI_OPENAI_API\` when configured, and for Anthropic or OpenAI
\`AIPM_AI_API_KEY_SECRET_ARN\` (the key from \`aipm:aiApiKey\`, kept in Secrets Manager).

${table("API", api)}

## Worker

The queue consumer (\`packages/worker/src/main.ts\`; \`dist/worker.mjs\` under systemd on each
instance, where the launch template writes \`/etc/aipm/worker.env\`).

${table("worker", worker)}

## Command line (\`aipm\`)

The \`aipm\` command (\`pnpm aipm <command>\`, the \`bin/\` wrappers, and \`pnpm start\`, which runs
\`aipm start\`). \`aipm start\` runs the API and a worker in one process: both read the variables in
the tables above from its environment, with these defaults of its own, and these values fixed:
${setByStart.map(([name, value]) => `${code(name)} = ${value}`).join(", ")}.

${table("CLI", cliVariables)}

## Set for the agent

The worker gives each agent run an environment of its own (see [agents](agents.md#the-agents-environment));
besides the allowed variables, it sets these for the agent to read.

${table("agent", agentVariables)}

## Set for the local forge's hook

The API's git server sets these for the pre-receive hook of each push to a local repository; they
are not settings.

${table("git hook", hookVariables)}

## Set by the tests

The API's and the worker's test runs set this for the processes they start in process.

${table("API, worker", testVariables)}

## Set for the benchmarks

The worker's claim-race bench reads these; see [the queue's capacity](queue-capacity.md).

${table("bench", benchVariables)}
`;
}

/** Packages that only tests load (test support, the agent conformance suite): no process reads their variables. */
const testOnlyPackages = new Set(["testing", "agent-conformance"]);

/** Every source file under packages/<name>/src of the packages processes load, tests excluded. */
async function sourceFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") await walk(path);
      } else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !/\.(test|spec)\.[mc]?[jt]s$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  for (const entry of await readdir(join(root, "packages"), { withFileTypes: true })) {
    if (!entry.isDirectory() || testOnlyPackages.has(entry.name)) continue;
    const src = join(root, "packages", entry.name, "src");
    await walk(src).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  return files;
}

/** `AIPM_*` names the sources mention that the document does not list, with where they are. */
async function undocumented(document: string): Promise<string[]> {
  const listed = new Set(document.match(/`AIPM_[A-Z0-9_]+`/g)?.map((name) => name.slice(1, -1)));
  const missing = new Map<string, string>();
  for (const file of await sourceFiles()) {
    for (const name of (await readFile(file, "utf8")).match(/\bAIPM_[A-Z0-9][A-Z0-9_]*\b/g) ?? []) {
      if (!listed.has(name) && !missing.has(name)) missing.set(name, relative(root, file));
    }
  }
  return [...missing].map(([name, file]) => `${name} (${file})`);
}

/** `markdown` as Biome (the repository's formatter) writes it, so that `pnpm format` leaves the file alone. */
function formatted(markdown: string): string {
  const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
  return execFileSync(process.execPath, [biome, "format", `--stdin-file-path=${relative(root, target)}`], {
    cwd: root,
    input: markdown,
    encoding: "utf8",
  });
}

const check = process.argv.includes("--check");
const document = formatted(render());
const missing = await undocumented(document);
if (missing.length > 0) {
  console.error(
    `docs/configuration.md would not list ${missing.join(", ")}.\nGive each a .describe() in its process's env schema, or list it in scripts/config-docs.ts; then run ${FIX}.`,
  );
  process.exit(1);
}
if (check) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== document) {
    console.error(
      `docs/configuration.md is out of date with the env schemas: run ${FIX} and commit the result.`,
    );
    process.exit(1);
  }
  console.log("docs/configuration.md is up to date.");
} else {
  await writeFile(target, document);
  console.log(`wrote ${relative(root, target)}`);
}
