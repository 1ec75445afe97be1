/**
 * The claim path on dynalite, through the task store's public interface: concurrent claimers take
 * each task once, in queue order, at one conditional write and one read per claim however many
 * claim at once (issue 20: claims that do not stampede); holes, orphans, requeues and tasks written
 * before queue numbers are all still claimed.
 */
import { type CodeGenerationTask, newId, newQueuedTask } from "@aipm/shared";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamo, type Dynamo, ensureTables } from "./dynamo.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";
import { ORPHAN_GRACE_MS } from "./task-queue.ts";
import { dynamoTaskStore, type TaskStore } from "./tasks.ts";

const LEASE_MS = 60_000;
const READS = ["GetItem", "Query", "BatchGetItem"];

let local: LocalDynamo;
let environments = 0;

beforeAll(async () => {
  local = await startLocalDynamo();
});
afterAll(() => local.close());

/**
 * A task store on tables of its own, with its clock in the test's hands, whose client counts the
 * requests it sends by operation and can be told to fail the next one of an operation.
 */
async function freshQueue() {
  const dynamo: Dynamo = createDynamo(
    { endpoint: local.endpoint, region: "us-east-1" },
    `queue${process.pid}-${++environments}`,
  );
  await ensureTables(dynamo);
  const counts = new Map<string, number>();
  const failNext = new Set<string>();
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "").replace(/Command$/, "");
      const input = args.input as { IndexName?: string };
      const key = input.IndexName ? `${operation} ${input.IndexName}` : operation;
      if (failNext.delete(key)) throw new Error(`${key} failed, as the test asked`);
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "testRequestCount" },
  );
  const clock = { now: Date.UTC(2026, 11, 1, 12) };
  const store = dynamoTaskStore(dynamo, () => new Date(clock.now));
  const count = (operations: readonly string[]) =>
    operations.reduce((sum, operation) => sum + (counts.get(operation) ?? 0), 0);
  return { dynamo, store, clock, counts, failNext, count };
}

/** `n` queued tasks, one after the other, each of its own story; returns their ids in queue order. */
async function enqueue(store: TaskStore, n: number, clock: { now: number }): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    clock.now += 1;
    const task = newQueuedTask({
      id: newId("task"),
      projectId: newId("project"),
      storyId: newId("story"),
      agent: "scaffold",
      branch: `aipm/queue-${i}`,
      pullRequest: { number: 1, url: "http://127.0.0.1/pull/1" },
      maxAttempts: 2,
      now: new Date(clock.now).toISOString(),
    });
    await store.create(task, [{ type: "task.queued" }]);
    ids.push(task.id);
  }
  return ids;
}

/** `claimers` loops claiming until they get null; every claim, in the order the claims returned. */
async function drain(
  store: TaskStore,
  claimers: number,
): Promise<{ task: CodeGenerationTask; by: string }[]> {
  const claimed: { task: CodeGenerationTask; by: string }[] = [];
  await Promise.all(
    Array.from({ length: claimers }, async (_, i) => {
      const workerId = `worker-${i}`;
      for (;;) {
        const task = await store.claimNext(workerId, LEASE_MS);
        if (!task) return;
        claimed.push({ task, by: workerId });
      }
    }),
  );
  return claimed;
}

describe("claimNext with many concurrent claimers", () => {
  it("claims each task once, at one TransactWriteItems and one read per task, with 24 claimers", async () => {
    const { store, clock, counts, count } = await freshQueue();
    const ids = await enqueue(store, 96, clock);
    counts.clear();

    const claimed = await drain(store, 24);
    const transactions = count(["TransactWriteItems"]);
    const reads = count(READS);

    expect(claimed.map(({ task }) => task.id).sort()).toEqual([...ids].sort());
    for (const { task, by } of claimed) {
      expect(task).toMatchObject({ status: "running", leaseOwner: by });
      const events = await store.listEvents(task.id, 0, 10);
      expect(events.filter((event) => event.type === "task.claimed")).toHaveLength(1);
    }
    // The stampede this replaced cost 20 or more of each per task at this many claimers.
    expect(transactions / ids.length).toBeLessThanOrEqual(1.1);
    // One read per claim, and one more per claimer when it finds the queue empty at the end.
    expect(reads).toBeLessThanOrEqual(ids.length + 24);
  });

  it("claims in queue order: no task is claimed after one queued more claimers than that after it", async () => {
    const { store, clock } = await freshQueue();
    const ids = await enqueue(store, 80, clock);

    const claimers = 16;
    const claimed = await drain(store, claimers);

    // Claims run concurrently, so returns may cross among the claims in flight at once; an older
    // task is never left behind beyond that (a pick among many candidates would leave some).
    const place = new Map(claimed.map(({ task }, index) => [task.id, index]));
    ids.forEach((id, queuedAt) => {
      expect(Math.abs((place.get(id) ?? Number.NaN) - queuedAt)).toBeLessThan(claimers);
    });
  });

  it("never answers null while a task waits with no claimer on its way to it", async () => {
    const { store, clock } = await freshQueue();
    await enqueue(store, 40, clock);
    const claimers = 8;
    let unclaimed = 40;
    let inFlight = 0;
    const emptyWhileWaiting: number[] = [];
    await Promise.all(
      Array.from({ length: claimers }, async (_, i) => {
        for (;;) {
          inFlight++;
          const task = await store.claimNext(`worker-${i}`, LEASE_MS).finally(() => inFlight--);
          if (task) {
            unclaimed--;
            continue;
          }
          if (unclaimed > inFlight) emptyWhileWaiting.push(unclaimed);
          return;
        }
      }),
    );
    expect(unclaimed).toBe(0);
    expect(emptyWhileWaiting).toEqual([]);
  });
});

describe("claimNext around holes, orphans and requeues", () => {
  it("steps over a task cancelled while queued and claims the next", async () => {
    const { store, clock } = await freshQueue();
    const [first, second] = await enqueue(store, 2, clock);
    await store.transition(String(first), "request_cancel");

    expect((await store.claimNext("w1", LEASE_MS))?.id).toBe(second);
    expect(await store.claimNext("w1", LEASE_MS)).toBeNull();
  });

  it("gives a task back its place when its claimer died after taking its ticket, once the grace is over", async () => {
    const { store, clock, failNext } = await freshQueue();
    const [orphan] = await enqueue(store, 1, clock);
    failNext.add("Query byQueueNumber");
    await expect(store.claimNext("dies", LEASE_MS)).rejects.toThrow(/as the test asked/);
    // Its ticket is gone: nobody else will find it by number.
    expect(await store.claimNext("w2", LEASE_MS)).toBeNull();
    expect(await store.reconcile()).toEqual([]);

    clock.now += ORPHAN_GRACE_MS + 1;
    expect(await store.reconcile()).toEqual([{ taskId: orphan, to: "queued" }]);
    expect((await store.claimNext("w2", LEASE_MS))?.id).toBe(orphan);
  });

  it("claims a task again after its lease expired and the reconciler requeued it", async () => {
    const { store, clock } = await freshQueue();
    const [id] = await enqueue(store, 1, clock);
    expect((await store.claimNext("w1", LEASE_MS))?.id).toBe(id);
    clock.now += LEASE_MS + 1;
    expect(await store.reconcile()).toEqual([{ taskId: id, to: "queued" }]);

    expect(await store.claimNext("w2", LEASE_MS)).toMatchObject({ id, attempt: 2, leaseOwner: "w2" });
  });

  it("claims a queued task written before queue numbers, and the reconciler numbers such tasks", async () => {
    const { dynamo, store, clock } = await freshQueue();
    const legacy = async () => {
      const task = newQueuedTask({
        id: newId("task"),
        projectId: newId("project"),
        storyId: newId("story"),
        agent: "scaffold",
        branch: "aipm/legacy",
        pullRequest: { number: 1, url: "http://127.0.0.1/pull/1" },
        maxAttempts: 2,
        now: new Date(clock.now).toISOString(),
      });
      await dynamo.doc.send(
        new PutCommand({ TableName: dynamo.tables.tasks, Item: { pk: task.id, ...task, lastEventSeq: 0 } }),
      );
      return task.id;
    };
    // An idle worker looks at the queue's head first, and takes an unnumbered task from there.
    expect(await store.claimNext("w1", LEASE_MS)).toBeNull();
    const first = await legacy();
    expect((await store.claimNext("w1", LEASE_MS))?.id).toBe(first);

    // A busy worker goes by tickets only; the reconciler gives the task a number for it.
    const second = await legacy();
    expect(await store.reconcile()).toEqual([{ taskId: second, to: "queued" }]);
    expect((await store.claimNext("w1", LEASE_MS))?.id).toBe(second);
  });

  it("claims in order from a tasks table made before byQueueNumber (a local store of an older version)", async () => {
    const { dynamo, store, clock } = await freshQueue();
    const TableName = dynamo.tables.tasks;
    await dynamo.client.send(new DeleteTableCommand({ TableName }));
    const index = (IndexName: string, hash: string) => ({
      IndexName,
      KeySchema: [
        { AttributeName: hash, KeyType: "HASH" as const },
        { AttributeName: "createdAt", KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: "ALL" as const },
    });
    await dynamo.client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: ["pk", "status", "createdAt", "projectId"].map((AttributeName) => ({
          AttributeName,
          AttributeType: "S" as const,
        })),
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        GlobalSecondaryIndexes: [index("byStatus", "status"), index("byProject", "projectId")],
      }),
    );
    const ids = await enqueue(store, 3, clock);

    for (const id of ids) expect((await store.claimNext("w1", LEASE_MS))?.id).toBe(id);
    expect(await store.claimNext("w1", LEASE_MS)).toBeNull();
  });

  it("claims a task whose index copy was behind it, from the item itself, rather than leave it orphaned", async () => {
    const { dynamo, store, clock } = await freshQueue();
    const [id] = await enqueue(store, 1, clock);
    // Between the claimer's read of the index and its write, another write moves the task on.
    let interposed = false;
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "TransactWriteItemsCommand" && !interposed) {
          interposed = true;
          await store.appendEvents(String(id), [{ type: "agent.output", data: { text: "in between" } }]);
        }
        return next(args);
      },
      { step: "initialize", name: "testInterpose" },
    );

    expect((await store.claimNext("w1", LEASE_MS))?.id).toBe(id);
    expect(interposed).toBe(true);
  });
});
