/**
 * @module ai-usage.test: a project's AI usage counters on dynalite: summed across months, deleted
 * with the project (every month's, no other project's), and never recorded once it is gone.
 */
import type { AgentUsage } from "@aipm/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiUsageStore, dynamoAiUsageStore } from "./ai-usage.ts";
import { createDynamo, type Dynamo, ensureTables, queryAll } from "./dynamo.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";
import { dynamoProjectStore, type ProjectStore } from "./projects.ts";

let local: LocalDynamo;
let dynamo: Dynamo;
let usage: AiUsageStore;
let projects: ProjectStore;

beforeAll(async () => {
  local = await startLocalDynamo();
  dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `aiusage${process.pid}`);
  await ensureTables(dynamo);
  usage = dynamoAiUsageStore(dynamo);
  projects = dynamoProjectStore(dynamo);
});
afterAll(() => local.close());

const call: AgentUsage = {
  inputTokens: 1000,
  outputTokens: 200,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0.006,
  costEstimated: true,
  turns: 1,
  durationMs: 900,
  model: "claude-sonnet-4-5",
};

async function project(id: string): Promise<void> {
  const now = "2026-11-02T09:00:00.000Z";
  await projects.create({
    id,
    name: id,
    description: "",
    repository: { provider: "github", owner: "acme", name: id, defaultBranch: "main" },
    monthlyBudgetUsd: null,
    testCommand: null,
    maxRounds: 3,
    doneRequiresPassingTests: true,
    autoRounds: false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
}

/** Every item of the project's AI usage partition, read straight from the table. */
const counterItems = (projectId: string) =>
  queryAll(dynamo, {
    TableName: dynamo.tables.projects,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": `AI_USAGE#${projectId}` },
  });

describe("dynamoAiUsageStore", () => {
  it("sums a project's calls over the months, or from a month on", async () => {
    await project("prj_sum");
    await usage.record("prj_sum", call, "2026-10-31T23:00:00.000Z");
    await usage.record("prj_sum", call, "2026-11-01T01:00:00.000Z");
    await usage.record("prj_sum", call, "2026-11-15T12:00:00.000Z");
    expect(await usage.total("prj_sum", null)).toMatchObject({ calls: 3, usage: { inputTokens: 3000 } });
    expect(await usage.total("prj_sum", "2026-11-01T00:00:00.000Z")).toMatchObject({
      calls: 2,
      usage: { outputTokens: 400 },
    });
  });

  it("deletes every month's counters of a deleted project, and no other project's", async () => {
    await project("prj_gone");
    await project("prj_kept");
    for (const at of ["2026-09-10T00:00:00.000Z", "2026-10-10T00:00:00.000Z", "2026-11-10T00:00:00.000Z"]) {
      await usage.record("prj_gone", call, at);
    }
    await usage.record("prj_kept", call, "2026-11-10T00:00:00.000Z");
    expect(await counterItems("prj_gone")).toHaveLength(3);

    await projects.delete("prj_gone");
    await usage.deleteProject("prj_gone");

    expect(await counterItems("prj_gone")).toEqual([]);
    expect(await usage.total("prj_gone", null)).toEqual({ calls: 0, usage: null });
    expect(await usage.total("prj_kept", null)).toMatchObject({ calls: 1 });
  });

  it("records nothing for a project deleted while its AI action ran, saying so", async () => {
    await project("prj_raced");
    await projects.delete("prj_raced");
    await usage.deleteProject("prj_raced");
    await expect(usage.record("prj_raced", call, "2026-11-10T00:00:00.000Z")).rejects.toMatchObject({
      name: "StoreError",
      code: "not_found",
      message: expect.stringContaining("was deleted while the AI action ran"),
    });
    expect(await counterItems("prj_raced")).toEqual([]);
  });

  it("deletes nothing, and fails nothing, for a project that had no AI usage", async () => {
    await expect(usage.deleteProject("prj_never")).resolves.toBeUndefined();
  });
});
