/**
 * @module request-count: counts the DynamoDB requests a bench's workers send, at the SDK boundary
 * (a middleware on the client every request goes through), split by what the worker was doing
 * when it sent them (`claim`, `succeed`), so a store's own code is never asked what it did.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createDynamo, type Dynamo } from "@aipm/store";

/** Requests by operation (`GetItem`, `Query`, `TransactWriteItems`, ...), per phase. */
export type RequestCounts = Map<string, Map<string, number>>;

export interface CountedDynamo {
  /** A client of its own on the same endpoint and tables: only what goes through it is counted. */
  dynamo: Dynamo;
  /** Runs `work` with every request it sends counted under `phase`. */
  during<T>(phase: string, work: () => Promise<T>): Promise<T>;
  counts: RequestCounts;
  /** The sum over `phases` (all when omitted) of `operations`. */
  total(operations: readonly string[], phases?: readonly string[]): number;
}

/** The read operations: what "reads per task" sums. */
export const READ_OPERATIONS = ["GetItem", "Query", "BatchGetItem"] as const;

/**
 * A counted client on `endpoint`, bound to `tables`. Requests sent outside `during` count under
 * `other`.
 *
 * @example const counted = countedDynamo(local.endpoint, api.dynamo.tables); await counted.during("claim", () => tasks.claimNext(...));
 */
export function countedDynamo(endpoint: string, tables: Dynamo["tables"]): CountedDynamo {
  const phase = new AsyncLocalStorage<string>();
  const counts: RequestCounts = new Map();
  const dynamo = { ...createDynamo({ endpoint, region: "us-east-1" }, "bench"), tables };
  dynamo.client.middlewareStack.add(
    (next, context) => (args) => {
      const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
      const name = phase.getStore() ?? "other";
      const byOperation = counts.get(name) ?? new Map<string, number>();
      byOperation.set(operation, (byOperation.get(operation) ?? 0) + 1);
      counts.set(name, byOperation);
      return next(args);
    },
    { step: "initialize", name: "benchRequestCount" },
  );
  return {
    dynamo,
    during: (name, work) => phase.run(name, work),
    counts,
    total(operations, phases) {
      let sum = 0;
      for (const [name, byOperation] of counts) {
        if (phases && !phases.includes(name)) continue;
        for (const operation of operations) sum += byOperation.get(operation) ?? 0;
      }
      return sum;
    },
  };
}
