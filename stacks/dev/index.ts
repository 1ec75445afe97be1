/**
 * @module stacks/dev: the Pulumi program of the dev environment (project aipm, stack dev): the
 * stack program of the infra package, with what sets dev apart from prod in its `stackProfiles.dev`.
 * The only place that makes a pulumi.Config; Pulumi.dev.yaml documents every key.
 */
import { aipmStackProgram } from "@aipm/infra";
import * as pulumi from "@pulumi/pulumi";

export const { webUrl, apiUrl, tableNames, workerGroupName, deployedVersion, alarmTopicArn } =
  aipmStackProgram("dev", new pulumi.Config("aipm"), import.meta.dirname);
