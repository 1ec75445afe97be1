/**
 * @module stacks/prod: the Pulumi program of the prod environment. The only place that reads
 * pulumi.Config; everything else takes its settings as arguments.
 */
import { tableNames } from "@aipm/shared";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("aipm");
const environment = config.get("environment") ?? "prod";

export const tables = tableNames(environment);
export const deployedVersion = config.get("version") ?? "unversioned";
