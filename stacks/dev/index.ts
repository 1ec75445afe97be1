/**
 * @module stacks/dev: the Pulumi program of the dev environment. The only place that reads
 * pulumi.Config; everything else takes its settings as arguments.
 */
import { tableNames } from "@aipm/shared";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("aipm");
const environment = config.get("environment") ?? "dev";

export const tables = tableNames(environment);
export const deployedVersion = config.get("version") ?? "unversioned";
