/**
 * @module components/data: the DynamoDB tables of an environment, one per shared table spec.
 */
import { type TableLogicalName, tableLogicalNames, tableSpecs } from "@aipm/shared";
import * as dynamodb from "@pulumi/aws/dynamodb";
import * as pulumi from "@pulumi/pulumi";
import { noDataProtection } from "../defaults.ts";
import { tableArgs } from "../table-args.ts";

export interface DataArgs {
  /** The environment; tables are named `aipm-<environment>-<table>`. */
  environment: string;
  /** Point-in-time recovery on every table. Default: off ({@link noDataProtection}); prod sets it. */
  pointInTimeRecovery?: boolean;
  /** DynamoDB deletion protection on every table. Default: off ({@link noDataProtection}); prod sets it. */
  deletionProtection?: boolean;
  /** Pulumi `protect`: the stack refuses to delete the tables. Default: off ({@link noDataProtection}); prod sets it. */
  protect?: boolean;
  /** Pulumi `retainOnDelete`: a removed table is left in AWS, not deleted. Default: off ({@link noDataProtection}); prod sets it. */
  retainOnDelete?: boolean;
}

/**
 * Every table of `@aipm/shared`'s table specs, on-demand, with TTL where the spec says.
 *
 * @example new Data("aipm-prod-data", { environment: "prod", pointInTimeRecovery: true, deletionProtection: true, protect: true, retainOnDelete: true })
 */
export class Data extends pulumi.ComponentResource {
  /** Each table, by logical name. */
  readonly tables: Record<TableLogicalName, dynamodb.Table>;
  /** Physical table names by logical name. */
  readonly tableNames: pulumi.Output<Record<TableLogicalName, string>>;
  /** Table ARNs by logical name. */
  readonly tableArns: Record<TableLogicalName, pulumi.Output<string>>;

  constructor(name: string, args: DataArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:data:Data", name, {}, opts);
    const protection = {
      pointInTimeRecovery: args.pointInTimeRecovery ?? noDataProtection.pointInTimeRecovery,
      deletionProtection: args.deletionProtection ?? noDataProtection.deletionProtection,
    };
    const entries = tableLogicalNames.map((logical) => {
      const table = new dynamodb.Table(
        `${name}-${logical}`,
        tableArgs(tableSpecs[logical], args.environment, protection),
        {
          parent: this,
          protect: args.protect ?? noDataProtection.protect,
          retainOnDelete: args.retainOnDelete ?? noDataProtection.retainOnDelete,
        },
      );
      return [logical, table] as const;
    });
    this.tables = Object.fromEntries(entries) as Record<TableLogicalName, dynamodb.Table>;
    this.tableArns = Object.fromEntries(entries.map(([logical, table]) => [logical, table.arn])) as Record<
      TableLogicalName,
      pulumi.Output<string>
    >;
    this.tableNames = pulumi.all(
      Object.fromEntries(entries.map(([logical, table]) => [logical, table.name])),
    ) as pulumi.Output<Record<TableLogicalName, string>>;
    this.registerOutputs({ tableNames: this.tableNames });
  }
}
