/**
 * @module table-args: DynamoDB table arguments derived from the shared table specs, so the
 * deployed tables and the local store can never disagree.
 */
import type { TableSpec } from "@aipm/shared";
import { tableName } from "@aipm/shared";
import type * as dynamodb from "@pulumi/aws/dynamodb";

export interface TableProtection {
  /** Point-in-time recovery; prod turns it on. */
  pointInTimeRecovery: boolean;
  /** DynamoDB deletion protection; prod turns it on. */
  deletionProtection: boolean;
}

/**
 * The `aws.dynamodb.Table` arguments for one table spec in one environment: on-demand billing,
 * the spec's keys and indexes (all attributes projected), TTL where the spec has one.
 *
 * @example new aws.dynamodb.Table("tasks", tableArgs(tableSpecs.tasks, "dev", noProtection));
 */
export function tableArgs(
  spec: TableSpec,
  environment: string,
  protection: TableProtection,
): dynamodb.TableArgs {
  const keyAttributes = [
    spec.hashKey,
    ...(spec.rangeKey ? [spec.rangeKey] : []),
    ...spec.globalSecondaryIndexes.flatMap((index) => [
      index.hashKey,
      ...(index.rangeKey ? [index.rangeKey] : []),
    ]),
  ];
  const attributes = [...new Map(keyAttributes.map((attribute) => [attribute.name, attribute])).values()];
  return {
    name: tableName(environment, spec.logicalName),
    billingMode: "PAY_PER_REQUEST",
    hashKey: spec.hashKey.name,
    rangeKey: spec.rangeKey?.name,
    attributes,
    globalSecondaryIndexes: spec.globalSecondaryIndexes.map((index) => ({
      name: index.name,
      hashKey: index.hashKey.name,
      rangeKey: index.rangeKey?.name,
      projectionType: "ALL",
    })),
    ttl: spec.ttlAttribute ? { attributeName: spec.ttlAttribute, enabled: true } : undefined,
    pointInTimeRecovery: { enabled: protection.pointInTimeRecovery },
    deletionProtectionEnabled: protection.deletionProtection,
    serverSideEncryption: { enabled: true },
  };
}
