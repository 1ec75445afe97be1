/**
 * @module components/ci-access: how GitHub Actions deploys an environment without AWS keys: the
 * account's GitHub OIDC provider and a deploy role only this repository (or its environment) can assume.
 */
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { deployPolicy } from "../deploy-policy.ts";
import { githubActionsTrustPolicy, githubOidcAudience, githubOidcHost } from "../trust-policies.ts";

export interface CiAccessArgs {
  /** The environment the role deploys. */
  environment: string;
  /** The repository's owner. */
  owner: string;
  /** The repository's name. */
  repository: string;
  /**
   * The GitHub environment whose jobs alone may assume the role (prod: `prod`). Default: none,
   * any workflow of the repository may (dev, for pull-request previews).
   */
  githubEnvironment?: string;
  /**
   * The ARN of an existing `token.actions.githubusercontent.com` provider. An AWS account holds
   * one; when dev and prod share an account, the second stack passes the first one's. Default:
   * this component creates it.
   */
  oidcProviderArn?: pulumi.Input<string>;
  /** Longest session in seconds. Default: 3600. */
  maxSessionSeconds?: number;
}

/**
 * The OIDC provider (unless given) and the deploy role with {@link deployPolicy}'s permissions.
 *
 * @example new CiAccess("aipm-prod-ci", { environment: "prod", owner: "acme", repository: "aipm", githubEnvironment: "prod" })
 */
export class CiAccess extends pulumi.ComponentResource {
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly deployRole: iam.Role;

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:ci:CiAccess", name, {}, opts);
    this.oidcProviderArn = args.oidcProviderArn
      ? pulumi.output(args.oidcProviderArn)
      : new iam.OpenIdConnectProvider(
          `${name}-github-oidc`,
          { url: `https://${githubOidcHost}`, clientIdLists: [githubOidcAudience] },
          { parent: this },
        ).arn;

    this.deployRole = new iam.Role(
      `${name}-deploy`,
      {
        description: `AIPM ${args.environment}: deployments from GitHub Actions of ${args.owner}/${args.repository}`,
        maxSessionDuration: args.maxSessionSeconds ?? 3600,
        assumeRolePolicy: this.oidcProviderArn.apply((providerArn) =>
          JSON.stringify(
            githubActionsTrustPolicy({
              providerArn,
              owner: args.owner,
              repository: args.repository,
              ...(args.githubEnvironment === undefined ? {} : { environment: args.githubEnvironment }),
            }),
          ),
        ),
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-deploy`,
      {
        role: this.deployRole.id,
        policy: this.deployRole.arn.apply((roleArn) => {
          const [, partition = "aws", , , accountId = ""] = roleArn.split(":");
          return JSON.stringify(deployPolicy({ environment: args.environment, accountId, partition }));
        }),
      },
      { parent: this },
    );

    this.registerOutputs({ oidcProviderArn: this.oidcProviderArn, deployRoleArn: this.deployRole.arn });
  }
}
