/**
 * @module tables: the DynamoDB tables as plain data, the single source for the infrastructure
 * (Pulumi) and the local store alike.
 */

export type AttributeType = "S" | "N";

export interface KeyAttribute {
  name: string;
  type: AttributeType;
}

export interface GlobalSecondaryIndexSpec {
  name: string;
  hashKey: KeyAttribute;
  rangeKey?: KeyAttribute;
}

export interface TableSpec {
  /** The logical name; the physical name is `tableName(environment, logical)`. */
  logicalName: TableLogicalName;
  description: string;
  hashKey: KeyAttribute;
  rangeKey?: KeyAttribute;
  globalSecondaryIndexes: readonly GlobalSecondaryIndexSpec[];
  /** The attribute holding an expiry time in epoch seconds, when items expire. */
  ttlAttribute?: string;
}

const s = (name: string): KeyAttribute => ({ name, type: "S" });
const n = (name: string): KeyAttribute => ({ name, type: "N" });

/**
 * Every table. Key layouts:
 * - `projects`: `pk` = "PROJECTS", `sk` = project id. One partition, so listing is one Query.
 *   Also `pk` = `AI_USAGE#<projectId>`, `sk` = month (`2026-12`): the AI actions' counters.
 * - `stories`: `pk` = project id; `sk` = `STORY#<storyId>`, `STORY#<storyId>#TEST#<testId>`,
 *   `DEP#<storyId>#<dependsOnId>` or `META`. A whole project is one paged Query. Index `byStory`
 *   (`storyId`, `sk`) reads a story with its tests and dependencies in one Query; index `byTest`
 *   (`testId`) finds an acceptance test's story.
 * - `tasks`: `pk` = task id. Index `byStatus` (`status`, `createdAt`) lists tasks by status;
 *   index `byProject` (`projectId`, `createdAt`) lists a project's tasks; sparse index
 *   `byQueueNumber` (`queueNumber`, held only while a task is queued) finds the task a claim's
 *   ticket names, one partition key per task. `ACTIVE#<storyId>` items lock a story, and the one
 *   `QUEUE#numbers` item holds the queue's counters.
 * - `taskEvents`: `pk` = task id, `seq` = 1, 2, 3, ...; old events expire.
 * - `tokens`: `pk` = SHA-256 of the bearer token. Tokens are never stored in clear.
 * - `idempotency`: `pk` = scope and `Idempotency-Key`; entries expire after a day.
 * - `workers`: `pk` = worker id; a worker that stops heartbeating expires.
 * - `pullRequests`: the local forge's pull requests, `pk` = repository, `number`.
 */
export const tableSpecs = {
  projects: {
    logicalName: "projects",
    description: "Projects and the repository each is bound to",
    hashKey: s("pk"),
    rangeKey: s("sk"),
    globalSecondaryIndexes: [],
  },
  stories: {
    logicalName: "stories",
    description: "Stories, acceptance tests and dependencies, partitioned by project",
    hashKey: s("pk"),
    rangeKey: s("sk"),
    globalSecondaryIndexes: [
      { name: "byStory", hashKey: s("storyId"), rangeKey: s("sk") },
      { name: "byTest", hashKey: s("testId") },
    ],
  },
  tasks: {
    logicalName: "tasks",
    description: "Code-generation tasks: the durable queue",
    hashKey: s("pk"),
    globalSecondaryIndexes: [
      { name: "byStatus", hashKey: s("status"), rangeKey: s("createdAt") },
      { name: "byProject", hashKey: s("projectId"), rangeKey: s("createdAt") },
      { name: "byQueueNumber", hashKey: n("queueNumber") },
    ],
  },
  taskEvents: {
    logicalName: "taskEvents",
    description: "Events of each task, in order",
    hashKey: s("pk"),
    rangeKey: n("seq"),
    globalSecondaryIndexes: [],
    ttlAttribute: "expiresAt",
  },
  tokens: {
    logicalName: "tokens",
    description: "API tokens, stored as hashes, with role and scope",
    hashKey: s("pk"),
    globalSecondaryIndexes: [],
  },
  idempotency: {
    logicalName: "idempotency",
    description: "Responses remembered by Idempotency-Key",
    hashKey: s("pk"),
    globalSecondaryIndexes: [],
    ttlAttribute: "expiresAt",
  },
  workers: {
    logicalName: "workers",
    description: "Live workers and their heartbeats",
    hashKey: s("pk"),
    globalSecondaryIndexes: [],
    ttlAttribute: "expiresAt",
  },
  pullRequests: {
    logicalName: "pullRequests",
    description: "Pull requests of the local git forge",
    hashKey: s("pk"),
    rangeKey: n("number"),
    globalSecondaryIndexes: [],
  },
} as const satisfies Record<string, TableSpec>;

export type TableLogicalName =
  | "projects"
  | "stories"
  | "tasks"
  | "taskEvents"
  | "tokens"
  | "idempotency"
  | "workers"
  | "pullRequests";

export const tableLogicalNames = Object.keys(tableSpecs) as TableLogicalName[];

/** Every attribute the table's key and its indexes' keys use, each once, in order of first use. */
export function keyAttributes(spec: TableSpec): KeyAttribute[] {
  const all = [
    spec.hashKey,
    ...(spec.rangeKey ? [spec.rangeKey] : []),
    ...spec.globalSecondaryIndexes.flatMap((index) => [
      index.hashKey,
      ...(index.rangeKey ? [index.rangeKey] : []),
    ]),
  ];
  return [...new Map(all.map((attribute) => [attribute.name, attribute])).values()];
}

/** Environment names: lower-case, starting with a letter, as used in stack and table names. */
export const environmentNamePattern = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * The physical table name of a logical table in an environment.
 *
 * @example tableName("prod", "taskEvents") // "aipm-prod-task-events"
 */
export function tableName(environment: string, logical: TableLogicalName): string {
  if (!environmentNamePattern.test(environment)) {
    throw new Error(
      `Environment name "${environment}" is not valid: use 1-20 lower-case letters, digits and '-', starting with a letter`,
    );
  }
  const kebab = logical.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return `aipm-${environment}-${kebab}`;
}

/** Every table's physical name in an environment, keyed by logical name. */
export function tableNames(environment: string): Record<TableLogicalName, string> {
  return Object.fromEntries(
    tableLogicalNames.map((logical) => [logical, tableName(environment, logical)]),
  ) as Record<TableLogicalName, string>;
}
