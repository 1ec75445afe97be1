import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AccessGrants,
  accessPolicy,
  apiTables,
  logWriteActions,
  modelInvokeActions,
  objectReadActions,
  secretReadActions,
  tableDataActions,
  workerTables,
} from "./access-policies.ts";
import { forAll, type Random } from "./random-cases.ts";

const word = (random: Random) => random.string("abcdefghijklmnopqrstuvwxyz0123456789-", random.int(3, 20));
const account = (random: Random) => random.string("0123456789", 12);

function grants(random: Random): AccessGrants {
  return {
    tableArns: random.distinct(
      0,
      8,
      () => `arn:aws:dynamodb:us-east-1:${account(random)}:table/aipm-${word(random)}`,
    ),
    secretArns: random.distinct(
      0,
      4,
      () => `arn:aws:secretsmanager:eu-west-1:${account(random)}:secret:${word(random)}`,
    ),
    logGroupArns: random.distinct(
      0,
      3,
      () => `arn:aws:logs:us-east-1:${account(random)}:log-group:/aipm/${word(random)}`,
    ),
    objectArns: random.distinct(0, 3, () => `arn:aws:s3:::${word(random)}/worker/*`),
    modelArns: random.distinct(0, 2, () => `arn:aws:bedrock:*::foundation-model/${word(random)}`),
  };
}

const nonEmpty = (g: AccessGrants) =>
  [g.tableArns, g.secretArns, g.logGroupArns, g.objectArns, g.modelArns].some((l) => (l?.length ?? 0) > 0);

describe("accessPolicy (property)", () => {
  it("names only the given ARNs, their indexes and their log streams", () => {
    forAll(300, grants, (g) => {
      if (!nonEmpty(g)) return;
      const resources = accessPolicy(g).Statement.flatMap((statement) => statement.Resource);
      const allowed = new Set([
        ...(g.tableArns ?? []).flatMap((arn) => [arn, `${arn}/index/*`]),
        ...(g.secretArns ?? []),
        ...(g.logGroupArns ?? []).flatMap((arn) => [arn, `${arn}:*`]),
        ...(g.objectArns ?? []),
        ...(g.modelArns ?? []),
      ]);
      for (const resource of resources) expect(allowed).toContain(resource);
      for (const arn of [
        ...(g.tableArns ?? []),
        ...(g.secretArns ?? []),
        ...(g.logGroupArns ?? []),
        ...(g.modelArns ?? []),
      ]) {
        expect(resources).toContain(arn);
      }
    });
  });

  it("grants each kind of resource only its own actions", () => {
    const actionsBySid: Record<string, readonly string[]> = {
      Tables: tableDataActions,
      Secrets: secretReadActions,
      Logs: logWriteActions,
      Objects: objectReadActions,
      Models: modelInvokeActions,
    };
    forAll(300, grants, (g) => {
      if (!nonEmpty(g)) return;
      for (const statement of accessPolicy(g).Statement) {
        expect(statement.Effect).toBe("Allow");
        expect(statement.Action).toEqual([
          ...(actionsBySid[statement.Sid ?? ""] ?? ["unexpected statement"]),
        ]);
        expect(statement.Action).not.toContain("*");
        expect(statement.Action.some((action) => action.endsWith(":*"))).toBe(false);
      }
    });
  });

  it('never uses "*" as a resource', () => {
    forAll(300, grants, (g) => {
      if (!nonEmpty(g)) return;
      for (const statement of accessPolicy(g).Statement) expect(statement.Resource).not.toContain("*");
    });
  });

  it("leaves out the statement of a kind with no ARNs, and refuses an empty policy", () => {
    const policy = accessPolicy({ secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:x"] });
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual(["Secrets"]);
    expect(() => accessPolicy({})).toThrow(/at least one grant/);
  });

  it('refuses "*" and non-ARNs, saying what to pass', () => {
    expect(() => accessPolicy({ tableArns: ["*"] })).toThrow(/ARNs starting with "arn:"/);
    expect(() => accessPolicy({ tableArns: ["arn:aws:dynamodb:us-east-1:123456789012:*"] })).toThrow(
      /specific resources/,
    );
    expect(() => accessPolicy({ secretArns: ["github-token"] })).toThrow(/Secrets must be given as ARNs/);
    expect(() => accessPolicy({ modelArns: ["arn:aws:bedrock:us-east-1:123456789012:*"] })).toThrow(
      /Models must name specific resources/,
    );
  });
});

describe("the tables each role may use", () => {
  it("gives the worker a subset of the API's tables, and neither the local forge's", () => {
    for (const table of workerTables) expect(apiTables).toContain(table);
    expect(apiTables).not.toContain("pullRequests");
    expect(workerTables).not.toContain("tokens");
    expect(workerTables).not.toContain("idempotency");
  });
});

/**
 * The IAM action each DynamoDB command needs. A transaction needs its items' actions (checked
 * below from the kinds of item the stores put in one); table management is for local tables and
 * tests only (`ensureTables`), never granted.
 */
const commandActions: Record<string, readonly string[]> = {
  GetCommand: ["dynamodb:GetItem"],
  PutCommand: ["dynamodb:PutItem"],
  UpdateCommand: ["dynamodb:UpdateItem"],
  DeleteCommand: ["dynamodb:DeleteItem"],
  QueryCommand: ["dynamodb:Query"],
  ScanCommand: ["dynamodb:Scan"],
  BatchGetCommand: ["dynamodb:BatchGetItem"],
  BatchWriteCommand: ["dynamodb:BatchWriteItem"],
  TransactGetCommand: ["dynamodb:GetItem"],
  TransactWriteCommand: [],
  DescribeTableCommand: ["dynamodb:DescribeTable"],
  CreateTableCommand: [],
  UpdateTimeToLiveCommand: [],
  GetSecretValueCommand: ["secretsmanager:GetSecretValue"],
};
const transactItemActions: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
};

describe("the table actions against the stores' commands", () => {
  const storeDir = new URL("../../store/src/", import.meta.url);
  const sources = readdirSync(storeDir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts"))
    .map((file) => ({ file, text: readFileSync(new URL(file, storeDir), "utf8") }));

  it("grants every command packages/store/src sends, and no table action it never needs", () => {
    expect(sources.length).toBeGreaterThan(5);
    const needed = new Set<string>();
    for (const { file, text } of sources) {
      for (const [, command] of text.matchAll(/\bnew (\w+Command)\(/g)) {
        const actions = commandActions[command ?? ""];
        if (!actions) throw new Error(`${file} sends ${command}: add the IAM action it needs to this test.`);
        for (const action of actions) needed.add(action);
      }
      if (!text.includes("TransactWriteCommand")) continue;
      // Transaction items, as the stores write them: `{ Put: {`, `Update: update`, `{ ConditionCheck: {`.
      for (const [, kind] of text.matchAll(/\b(Put|Update|Delete|ConditionCheck): [{a-z]/g)) {
        needed.add(transactItemActions[kind ?? ""] ?? "unknown transaction item");
      }
    }
    // The API's health check (packages/api/src/compose.ts) describes the stories table.
    needed.add("dynamodb:DescribeTable");
    const tableActions = [...needed].filter((action) => action.startsWith("dynamodb:"));
    expect([...tableDataActions].sort()).toEqual(tableActions.sort());
    for (const action of needed)
      if (!action.startsWith("dynamodb:")) expect(secretReadActions).toContain(action);
  });
});
