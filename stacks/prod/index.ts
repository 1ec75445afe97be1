/**
 * @module stacks/prod: the Pulumi program of the prod environment (project aipm, stack prod): the
 * stack program of the infra package, with what sets prod apart from dev in its `stackProfiles.prod`.
 * The only place that makes a pulumi.Config; Pulumi.prod.yaml documents every key.
 */
import { aipmStackProgram } from "@aipm/infra";
import * as pulumi from "@pulumi/pulumi";

export const { webUrl, apiUrl, tableNames, workerGroupName, deployedVersion, alarmTopicArn } =
  aipmStackProgram("prod", new pulumi.Config("aipm"), import.meta.dirname);
