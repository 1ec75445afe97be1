/**
 * @module dynamo: the DynamoDB client and table creation from the shared table specs.
 */

import {
  keyAttributes,
  type TableLogicalName,
  type TableSpec,
  tableLogicalNames,
  tableNames,
  tableSpecs,
} from "@aipm/shared";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { recordAwsCalls } from "./aws-call-log.ts";

export interface DynamoOptions {
  /** A local DynamoDB-compatible endpoint; absent in AWS. */
  endpoint?: string;
  region: string;
}

export interface Dynamo {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tables: Record<TableLogicalName, string>;
}

/**
 * A document client bound to an environment's tables.
 *
 * @example const dynamo = createDynamo({ region: "us-east-1" }, "dev");
 */
export function createDynamo(options: DynamoOptions, environment: string): Dynamo {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, doc, tables: tableNames(environment) };
}

/**
 * The same tables and clients, with every call through them recorded as `caller`'s (`api` or
 * `worker`) when `AIPM_AWS_CALL_LOG` is set (see aws-call-log.ts); the given object otherwise. The
 * processes' composition roots wrap whichever Dynamo they are given, so calls a test makes on the
 * same clients for its own setup stay out of the record.
 *
 * @example const dynamo = recordDynamoCalls(createDynamo({ region }, "dev"), "api");
 */
export function recordDynamoCalls(dynamo: Dynamo, caller: string): Dynamo {
  const client = recordAwsCalls(dynamo.client, "dynamodb", caller);
  if (client === dynamo.client) return dynamo;
  return { ...dynamo, client, doc: recordAwsCalls(dynamo.doc, "dynamodb", caller) };
}

function createTableInput(spec: TableSpec, name: string): CreateTableCommandInput {
  const attributes = keyAttributes(spec);
  const keySchema = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    ...(range ? [{ AttributeName: range, KeyType: "RANGE" as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(spec.hashKey.name, spec.rangeKey?.name),
    ...(spec.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: spec.globalSecondaryIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.hashKey.name, index.rangeKey?.name),
            Projection: { ProjectionType: "ALL" },
          })),
        }
      : {}),
  };
}

/**
 * Creates every missing table of the environment from the shared specs and waits until each is
 * active. For the local store and tests; in AWS, Pulumi owns the tables.
 */
export async function ensureTables(dynamo: Dynamo): Promise<void> {
  await Promise.all(
    tableLogicalNames.map(async (logical) => {
      const spec: TableSpec = tableSpecs[logical];
      const name = dynamo.tables[logical];
      try {
        await dynamo.client.send(new CreateTableCommand(createTableInput(spec, name)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      for (let i = 0; i < 200; i++) {
        const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === "ACTIVE") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (spec.ttlAttribute) {
        await dynamo.client
          .send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
            }),
          )
          .catch(() => {
            // Local DynamoDB-compatible servers may not implement TTL; expiry is then best effort.
          });
      }
    }),
  );
}

export type Item = Record<string, unknown>;

/**
 * Every item a Query returns, page after page, stopping once `limit` items are read.
 *
 * @example const items = await queryAll(dynamo, { TableName, KeyConditionExpression: "pk = :pk", ... });
 */
export async function queryAll(
  dynamo: Dynamo,
  input: QueryCommandInput,
  limit = Number.POSITIVE_INFINITY,
): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamo.doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey && items.length < limit);
  return items.slice(0, limit);
}

/** Every item of a table. Only for the small tables whose whole content is wanted (tokens, workers). */
export async function scanAll(dynamo: Dynamo, TableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamo.doc.send(new ScanCommand({ TableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
