/**
 * @module components/worker-role: the workers' instance role and profile: their tables, secrets,
 * log group and bundle, their own group's lifecycle and health, and SSM Session Manager.
 */
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { accessPolicy, type PolicyStatement } from "../access-policies.ts";
import { serviceTrustPolicy } from "../trust-policies.ts";

export interface WorkerRoleArgs {
  environment: string;
  /** The workers' Auto Scaling group, by name. */
  groupName: string;
  region: pulumi.Input<string>;
  /** The tables the worker uses. */
  tableArns: pulumi.Input<string>[];
  /** The secrets it reads: the GitHub token and the model keys. */
  secretArns: pulumi.Input<string>[];
  logGroupArn: pulumi.Input<string>;
  /** The artifacts bucket, of which it reads `worker/*`. */
  artifactsBucketArn: pulumi.Input<string>;
  /** The environment's permissions boundary, once it is bootstrapped. Default: none. */
  permissionsBoundary?: pulumi.Input<string>;
}

/**
 * The role (`<name>-role`), its inline policy (`<name>-access`), the Session Manager attachment
 * (`<name>-ssm`) and the instance profile (`<name>-profile`), children of `parent`.
 *
 * @example const { role, access, profile } = workerRole("aipm-dev-workers", this, { environment: "dev", groupName: "aipm-dev-workers", ... })
 */
export function workerRole(name: string, parent: pulumi.Resource, args: WorkerRoleArgs) {
  const role = new iam.Role(
    `${name}-role`,
    {
      description: `AIPM ${args.environment} worker instances`,
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")),
      ...(args.permissionsBoundary === undefined ? {} : { permissionsBoundary: args.permissionsBoundary }),
    },
    { parent },
  );
  const access = new iam.RolePolicy(
    `${name}-access`,
    {
      role: role.id,
      policy: pulumi
        .all([
          pulumi.all(args.tableArns),
          pulumi.all(args.secretArns),
          args.logGroupArn,
          args.artifactsBucketArn,
          role.arn,
          args.region,
        ])
        .apply(([tableArns, secretArns, logGroupArn, bucketArn, roleArn, region]) => {
          const document = accessPolicy({
            tableArns,
            secretArns,
            logGroupArns: [logGroupArn],
            objectArns: [`${bucketArn}/worker/*`],
          });
          const [, partition, , , account] = roleArn.split(":");
          document.Statement.push(
            lifecycleStatement(`arn:${partition}:autoscaling:${region}:${account}`, args.groupName),
          );
          return JSON.stringify(document);
        }),
    },
    { parent },
  );
  new iam.RolePolicyAttachment(
    `${name}-ssm`,
    {
      role: role.name,
      policyArn: role.arn.apply(
        (arn) => `arn:${arn.split(":")[1]}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      ),
    },
    { parent },
  );
  const profile = new iam.InstanceProfile(`${name}-profile`, { role: role.name }, { parent });
  return { role, access, profile };
}

/** What the worker does to its group: complete its lifecycle action, mark itself unhealthy. */
function lifecycleStatement(arnPrefix: string, groupName: string): PolicyStatement {
  return {
    Sid: "Lifecycle",
    Effect: "Allow",
    Action: [
      "autoscaling:CompleteLifecycleAction",
      "autoscaling:RecordLifecycleActionHeartbeat",
      "autoscaling:SetInstanceHealth",
    ],
    Resource: [`${arnPrefix}:autoScalingGroup:*:autoScalingGroupName/${groupName}`],
  };
}
