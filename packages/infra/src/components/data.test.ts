import { tableLogicalNames, tableNames, tableSpecs } from "@aipm/shared";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CapturedResource,
  type MockDeployment,
  outputValue,
  startMockDeployment,
} from "../mock-deployment.ts";

let deployment: MockDeployment;
let devNames: Record<string, string>;

const tablesOf = (component: string) =>
  deployment.ofType("aws:dynamodb/table:Table").filter((table) => table.name.startsWith(`${component}-`));

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { Data } = await import("./data.ts");
  const dev = new Data("aipm-dev-data", { environment: "dev" });
  new Data("aipm-prod-data", {
    environment: "prod",
    pointInTimeRecovery: true,
    deletionProtection: true,
    protect: true,
    retainOnDelete: true,
  });
  await deployment.settle();
  devNames = await outputValue(dev.tableNames);
});

describe("Data: infra and the shared table specs agree", () => {
  it("creates one table per spec, named as the application derives it", () => {
    expect(
      tablesOf("aipm-dev-data")
        .map((table) => table.inputs.name)
        .sort(),
    ).toEqual(Object.values(tableNames("dev")).sort());
    expect(devNames).toEqual(tableNames("dev"));
  });

  it.each(tableLogicalNames)("%s has the spec's keys, indexes and TTL, on demand", (logical) => {
    const spec = tableSpecs[logical];
    const table = deployment.named(`aipm-dev-data-${logical}`);
    const attributeTypes = Object.fromEntries(
      (table.inputs.attributes as { name: string; type: string }[]).map((a) => [a.name, a.type]),
    );
    expect(table.inputs.hashKey).toBe(spec.hashKey.name);
    expect(attributeTypes[spec.hashKey.name]).toBe(spec.hashKey.type);
    expect(table.inputs.rangeKey).toBe("rangeKey" in spec ? spec.rangeKey.name : undefined);
    if ("rangeKey" in spec) expect(attributeTypes[spec.rangeKey.name]).toBe(spec.rangeKey.type);
    expect(table.inputs.billingMode).toBe("PAY_PER_REQUEST");

    const indexes = (table.inputs.globalSecondaryIndexes ?? []) as {
      name: string;
      hashKey: string;
      rangeKey?: string;
    }[];
    expect(indexes.map((index) => [index.name, index.hashKey, index.rangeKey])).toEqual(
      spec.globalSecondaryIndexes.map((index) => [
        index.name,
        index.hashKey.name,
        "rangeKey" in index ? index.rangeKey?.name : undefined,
      ]),
    );
    for (const index of spec.globalSecondaryIndexes) {
      expect(attributeTypes[index.hashKey.name]).toBe(index.hashKey.type);
    }
    expect(table.inputs.ttl).toEqual(
      "ttlAttribute" in spec ? { attributeName: spec.ttlAttribute, enabled: true } : undefined,
    );
    expect(table.inputs.serverSideEncryption).toEqual({ enabled: true });
  });
});

describe("Data: protection is an explicit argument", () => {
  const protection = (table: CapturedResource) => ({
    pitr: table.inputs.pointInTimeRecovery?.enabled,
    deletionProtection: table.inputs.deletionProtectionEnabled,
    protect: table.protect,
    retainOnDelete: table.retainOnDelete,
  });

  it("protects every prod table: PITR, deletion protection, protect and retainOnDelete", () => {
    const tables = tablesOf("aipm-prod-data");
    expect(tables).toHaveLength(tableLogicalNames.length);
    for (const table of tables) {
      expect(protection(table)).toEqual({
        pitr: true,
        deletionProtection: true,
        protect: true,
        retainOnDelete: true,
      });
    }
  });

  it("leaves dev's tables unprotected by default", () => {
    for (const table of tablesOf("aipm-dev-data")) {
      expect(protection(table)).toEqual({
        pitr: false,
        deletionProtection: false,
        protect: false,
        retainOnDelete: false,
      });
    }
  });

  it("parents every table to its component", () => {
    for (const table of tablesOf("aipm-prod-data")) {
      expect(table.parent).toMatch(/aipm:data:Data::aipm-prod-data$/);
    }
  });
});
