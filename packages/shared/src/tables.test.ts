import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  environmentNamePattern,
  type KeyAttribute,
  keyAttributes,
  type TableSpec,
  tableLogicalNames,
  tableName,
  tableNames,
  tableSpecs,
} from "./tables.ts";

const specs: TableSpec[] = Object.values(tableSpecs);
/** DynamoDB's rule for table names. */
const dynamoTableName = /^[a-zA-Z0-9_.-]{3,255}$/;
const sampleEnvironments = ["dev", "prod", "pr-123", "a", "staging2", "x".repeat(20)];

describe("tableSpecs", () => {
  it("names each spec by its key, once", () => {
    for (const [key, spec] of Object.entries(tableSpecs)) expect(spec.logicalName).toBe(key);
    expect(new Set(specs.map((spec) => spec.logicalName)).size).toBe(specs.length);
    expect([...tableLogicalNames].sort()).toEqual(Object.keys(tableSpecs).sort());
  });

  it.each(specs.map((spec) => [spec.logicalName, spec] as const))(
    "%s: keys are strings or numbers",
    (_, spec) => {
      const keys: KeyAttribute[] = [
        spec.hashKey,
        ...(spec.rangeKey ? [spec.rangeKey] : []),
        ...spec.globalSecondaryIndexes.flatMap((index) => [
          index.hashKey,
          ...(index.rangeKey ? [index.rangeKey] : []),
        ]),
      ];
      for (const key of keys) {
        expect(["S", "N"]).toContain(key.type);
        expect(key.name).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      }
      expect(spec.rangeKey?.name).not.toBe(spec.hashKey.name);
    },
  );

  it.each(specs.map((spec) => [spec.logicalName, spec] as const))("%s: index names are unique", (_, spec) => {
    const names = spec.globalSecondaryIndexes.map((index) => index.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(dynamoTableName);
  });

  it("gives one attribute a single type across a table and its indexes", () => {
    for (const spec of specs) {
      const types = new Map<string, string>();
      const keys = [
        spec.hashKey,
        spec.rangeKey,
        ...spec.globalSecondaryIndexes.flatMap((i) => [i.hashKey, i.rangeKey]),
      ];
      for (const key of keys) {
        if (!key) continue;
        expect(types.get(key.name) ?? key.type, `${spec.logicalName}.${key.name}`).toBe(key.type);
        types.set(key.name, key.type);
      }
    }
  });

  it("expires items only in taskEvents, idempotency and workers", () => {
    const withTtl = specs.filter((spec) => spec.ttlAttribute !== undefined).map((spec) => spec.logicalName);
    expect(withTtl.sort()).toEqual(["idempotency", "taskEvents", "workers"]);
  });

  it("keeps the queue and a project's stories readable with Query", () => {
    expect(tableSpecs.tasks.globalSecondaryIndexes.map((index) => index.name)).toContain("byStatus");
    expect(tableSpecs.stories.hashKey.name).toBe("pk");
    expect(tableSpecs.taskEvents.rangeKey).toEqual({ name: "seq", type: "N" });
  });
});

describe("tableName", () => {
  it("makes kebab-case names under aipm-<environment>", () => {
    expect(tableName("prod", "taskEvents")).toBe("aipm-prod-task-events");
    expect(tableName("dev", "pullRequests")).toBe("aipm-dev-pull-requests");
    expect(tableName("pr-7", "projects")).toBe("aipm-pr-7-projects");
  });

  it.each(sampleEnvironments)("gives valid, distinct DynamoDB names in %s", (environment) => {
    const names = tableLogicalNames.map((logical) => tableName(environment, logical));
    for (const name of names) expect(name).toMatch(dynamoTableName);
    expect(new Set(names).size).toBe(names.length);
  });

  it("gives valid DynamoDB names for every valid environment name", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(environmentNamePattern),
        fc.constantFrom(...tableLogicalNames),
        (env, logical) => {
          expect(tableName(env, logical)).toMatch(dynamoTableName);
        },
      ),
    );
  });

  it("keeps environments apart", () => {
    expect(tableName("dev", "tasks")).not.toBe(tableName("prod", "tasks"));
  });

  it.each(["", "Prod", "1dev", "-dev", "dev_1", "dev.1", "dev 1", "dév", "x".repeat(21), "dev\n", "../prod"])(
    "rejects the environment %j, saying what is allowed",
    (environment) => {
      expect(() => tableName(environment, "tasks")).toThrowError(
        /not valid: use 1-20 lower-case letters, digits and '-', starting with a letter/,
      );
    },
  );
});

describe("tableNames", () => {
  it("names every logical table", () => {
    const names = tableNames("dev");
    expect(Object.keys(names).sort()).toEqual([...tableLogicalNames].sort());
    for (const logical of tableLogicalNames) expect(names[logical]).toBe(tableName("dev", logical));
  });

  it("rejects an invalid environment", () => {
    expect(() => tableNames("Dev")).toThrowError(/Environment name "Dev" is not valid/);
  });
});

describe("keyAttributes", () => {
  it("lists the key and index attributes of a table once each", () => {
    expect(keyAttributes(tableSpecs.stories).map((attribute) => attribute.name)).toEqual([
      "pk",
      "sk",
      "storyId",
      "testId",
    ]);
    expect(keyAttributes(tableSpecs.tasks)).toEqual([
      { name: "pk", type: "S" },
      { name: "status", type: "S" },
      { name: "createdAt", type: "S" },
      { name: "projectId", type: "S" },
      { name: "queueNumber", type: "N" },
    ]);
  });
});
