import { type TableSpec, tableLogicalNames, tableSpecs } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { tableArgs } from "./table-args.ts";

const noProtection = { pointInTimeRecovery: false, deletionProtection: false };

describe("tableArgs", () => {
  it.each(tableLogicalNames)("declares every key attribute of %s exactly once", (logical) => {
    const spec: TableSpec = tableSpecs[logical];
    const args = tableArgs(spec, "dev", noProtection);
    const declared = (args.attributes as { name: string; type: string }[]).map((a) => a.name).sort();
    const used = new Set([
      spec.hashKey.name,
      ...(spec.rangeKey ? [spec.rangeKey.name] : []),
      ...spec.globalSecondaryIndexes.flatMap((i) => [
        i.hashKey.name,
        ...(i.rangeKey ? [i.rangeKey.name] : []),
      ]),
    ]);
    expect(declared).toEqual([...used].sort());
    expect(args.billingMode).toBe("PAY_PER_REQUEST");
    expect(args.name).toMatch(/^aipm-dev-/);
  });

  it("gives the tasks table the claim path's index: one partition key per queue number, whole items", () => {
    const args = tableArgs(tableSpecs.tasks, "dev", noProtection);
    expect(args.globalSecondaryIndexes).toContainEqual({
      name: "byQueueNumber",
      hashKey: "queueNumber",
      rangeKey: undefined,
      projectionType: "ALL",
    });
    expect(args.attributes).toContainEqual({ name: "queueNumber", type: "N" });
  });

  it("turns on TTL only where the spec has a TTL attribute", () => {
    expect(tableArgs(tableSpecs.taskEvents, "dev", noProtection).ttl).toEqual({
      attributeName: "expiresAt",
      enabled: true,
    });
    expect(tableArgs(tableSpecs.stories, "dev", noProtection).ttl).toBeUndefined();
  });

  it("carries the protection it is given", () => {
    const prod = tableArgs(tableSpecs.stories, "prod", {
      pointInTimeRecovery: true,
      deletionProtection: true,
    });
    expect(prod.pointInTimeRecovery).toEqual({ enabled: true });
    expect(prod.deletionProtectionEnabled).toBe(true);
  });
});
