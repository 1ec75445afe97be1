/**
 * @module components/ci-access: how GitHub Actions deploys an environment without AWS keys.
 *
 * {@link CiBootstrap} is what stacks/bootstrap, deployed once by an administrator, makes: the
 * account's GitHub OIDC provider and, per environment, a permissions boundary, a deploy role under
 * that boundary trusted only by the environment's GitHub jobs, the KMS key the stack's Pulumi
 * secrets are encrypted with, and optionally a read-only role for pull-request previews. The
 * deploy roles live under {@link ciIamPath}, outside the names they manage, and explicitly may not
 * change themselves, each other or the boundaries.
 *
 * {@link CiAccess} is the environment stacks' side: given the deploy role's ARN from the bootstrap
 * stack it makes nothing and only hands the ARN on; without it (stacks deployed before the
 * bootstrap stack existed) it still makes the provider and a deploy role of its own, with the
 * same exact trust and a deny on changing itself.
 */
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as pulumi from "@pulumi/pulumi";
import {
  ciArns,
  ciIamPath,
  ciNames,
  deployBoundaryPolicy,
  deployPolicy,
  previewPolicy,
} from "../deploy-policy.ts";
import {
  type GithubJobSubject,
  githubActionsTrustPolicy,
  githubOidcAudience,
  githubOidcHost,
} from "../trust-policies.ts";

/** `[partition, account]` of an IAM ARN. */
function partitionAndAccount(arn: string): { partition: string; accountId: string } {
  const [, partition = "aws", , , accountId = ""] = arn.split(":");
  return { partition, accountId };
}

function githubOidcProvider(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  return new iam.OpenIdConnectProvider(
    `${name}-github-oidc`,
    { url: `https://${githubOidcHost}`, clientIdLists: [githubOidcAudience] },
    { parent },
  ).arn;
}

export interface CiAccessArgs {
  /** The environment the role deploys. */
  environment: string;
  /** The repository's owner. */
  owner: string;
  /** The repository's name. */
  repository: string;
  /**
   * The deploy role stacks/bootstrap made for this environment (its output `deployRoleArns`).
   * When given, this component creates nothing. Default: none; a role of this stack's own is made
   * (the layout before stacks/bootstrap; see stacks/README.md for the migration).
   */
  deployRoleArn?: pulumi.Input<string>;
  /**
   * The GitHub environment whose jobs alone may assume the role it makes. Default: the
   * environment's own name (`dev` jobs for dev). Never "any ref".
   */
  githubEnvironment?: string;
  /**
   * The ARN of an existing `token.actions.githubusercontent.com` provider. An AWS account holds
   * one; when dev and prod share an account, the second stack passes the first one's. Default:
   * this component creates it (unless `deployRoleArn` is given).
   */
  oidcProviderArn?: pulumi.Input<string>;
  /** Longest session in seconds. Default: 3600. */
  maxSessionSeconds?: number;
}

/**
 * The deploy role of one environment: the bootstrap stack's, or one made here.
 *
 * @example new CiAccess("aipm-prod-ci", { environment: "prod", owner: "acme", repository: "aipm", deployRoleArn })
 */
export class CiAccess extends pulumi.ComponentResource {
  /** The provider's ARN; undefined when the bootstrap stack owns it. */
  readonly oidcProviderArn: pulumi.Output<string | undefined>;
  readonly deployRole: { arn: pulumi.Output<string> };

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:ci:CiAccess", name, {}, opts);
    if (args.deployRoleArn !== undefined) {
      this.oidcProviderArn = pulumi.output(args.oidcProviderArn);
      this.deployRole = { arn: pulumi.output(args.deployRoleArn) };
      this.registerOutputs({ deployRoleArn: this.deployRole.arn });
      return;
    }
    const providerArn = args.oidcProviderArn
      ? pulumi.output(args.oidcProviderArn)
      : githubOidcProvider(name, this);
    this.oidcProviderArn = providerArn;
    const role = new iam.Role(
      `${name}-deploy`,
      {
        description: `AIPM ${args.environment}: deployments from GitHub Actions of ${args.owner}/${args.repository}`,
        maxSessionDuration: args.maxSessionSeconds ?? 3600,
        assumeRolePolicy: providerArn.apply((arn) =>
          JSON.stringify(
            githubActionsTrustPolicy({
              providerArn: arn,
              owner: args.owner,
              repository: args.repository,
              subjects: [{ environment: args.githubEnvironment ?? args.environment }],
            }),
          ),
        ),
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-deploy`,
      {
        role: role.id,
        policy: role.arn.apply((roleArn) =>
          JSON.stringify(
            deployPolicy({
              environment: args.environment,
              ...partitionAndAccount(roleArn),
              selfRoleArn: roleArn,
            }),
          ),
        ),
      },
      { parent: this },
    );
    this.deployRole = { arn: role.arn };
    this.registerOutputs({ oidcProviderArn: this.oidcProviderArn, deployRoleArn: role.arn });
  }
}

export interface CiEnvironment {
  /** The AIPM environment, e.g. `dev`: the `aipm-<name>-` resources its role deploys. */
  name: string;
  /** The GitHub jobs that may assume the deploy role. Default: those of the GitHub environment `<name>`. */
  deploySubjects?: GithubJobSubject[];
  /**
   * The GitHub jobs that may assume a read-only preview role of this environment (the pull
   * requests' `pulumi preview`). Default: no preview role.
   */
  previewSubjects?: GithubJobSubject[];
}

export interface CiBootstrapArgs {
  /** The repository's owner. */
  owner: string;
  /** The repository's name. */
  repository: string;
  /** The environments deployed from this account. */
  environments: CiEnvironment[];
  /** An existing GitHub OIDC provider of the account. Default: created here. */
  oidcProviderArn?: pulumi.Input<string>;
  /** Longest session of the deploy roles in seconds. Default: 3600. */
  maxSessionSeconds?: number;
}

/**
 * The administrator's one-time CI setup of an AWS account (stacks/bootstrap).
 *
 * @example new CiBootstrap("aipm-ci", { owner: "acme", repository: "aipm", environments: [{ name: "dev", previewSubjects: [{ environment: "preview" }] }, { name: "prod" }] })
 */
export class CiBootstrap extends pulumi.ComponentResource {
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The deploy role of each environment, by name. */
  readonly deployRoleArns: Record<string, pulumi.Output<string>> = {};
  /** The preview role of each environment that has one, by name. */
  readonly previewRoleArns: Record<string, pulumi.Output<string>> = {};
  /** The permissions boundary of each environment, by name. */
  readonly boundaryArns: Record<string, pulumi.Output<string>> = {};
  /** The `awskms://` secrets provider of each environment's stack, by name. */
  readonly secretsProviders: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: CiBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:ci:CiBootstrap", name, {}, opts);
    const names = args.environments.map((environment) => environment.name);
    if (names.length === 0) throw new Error("Name at least one environment to bootstrap, e.g. dev.");
    if (new Set(names).size !== names.length) throw new Error(`Environments repeat: ${names.join(", ")}.`);
    this.oidcProviderArn = args.oidcProviderArn
      ? pulumi.output(args.oidcProviderArn)
      : githubOidcProvider(name, this);
    const parent = { parent: this };

    for (const environment of args.environments) {
      const env = environment.name;
      const ciName = ciNames(env);
      const scope = this.oidcProviderArn.apply((arn) => ({ environment: env, ...partitionAndAccount(arn) }));
      const trust = (subjects: GithubJobSubject[]) =>
        this.oidcProviderArn.apply((providerArn) =>
          JSON.stringify(
            githubActionsTrustPolicy({
              providerArn,
              owner: args.owner,
              repository: args.repository,
              subjects,
            }),
          ),
        );

      const boundary = new iam.Policy(
        `${name}-${env}-boundary`,
        {
          name: ciName.boundary,
          path: ciIamPath,
          description: `AIPM ${env}: the most any role of the environment may do, its deploy role included`,
          policy: scope.apply((s) => JSON.stringify(deployBoundaryPolicy(s))),
        },
        parent,
      );
      // The policies' conditions name the boundary by the ARN its name and path give; the roles
      // carry exactly that ARN, once the boundary exists.
      const boundaryArn = pulumi.all([scope, boundary.arn]).apply(([s]) => ciArns(s).boundary);

      const deployRole = new iam.Role(
        `${name}-${env}-deploy`,
        {
          name: ciName.deployRole,
          path: ciIamPath,
          description: `AIPM ${env}: deployments from GitHub Actions of ${args.owner}/${args.repository}`,
          maxSessionDuration: args.maxSessionSeconds ?? 3600,
          permissionsBoundary: boundaryArn,
          assumeRolePolicy: trust(environment.deploySubjects ?? [{ environment: env }]),
        },
        parent,
      );
      new iam.RolePolicy(
        `${name}-${env}-deploy`,
        { role: deployRole.id, policy: scope.apply((s) => JSON.stringify(deployPolicy(s))) },
        parent,
      );

      const key = new kms.Key(
        `${name}-${env}-pulumi-secrets`,
        {
          description: `AIPM ${env}: encrypts the ${env} stack's Pulumi config and state secrets`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
        },
        { ...parent, retainOnDelete: true },
      );
      const alias = new kms.Alias(
        `${name}-${env}-pulumi-secrets`,
        { name: ciName.secretsKeyAlias, targetKeyId: key.keyId },
        parent,
      );

      if (environment.previewSubjects !== undefined) {
        const previewRole = new iam.Role(
          `${name}-${env}-preview`,
          {
            name: ciName.previewRole,
            path: ciIamPath,
            description: `AIPM ${env}: read-only pulumi preview from pull requests of ${args.owner}/${args.repository}`,
            maxSessionDuration: 3600,
            permissionsBoundary: boundaryArn,
            assumeRolePolicy: trust(environment.previewSubjects),
          },
          parent,
        );
        new iam.RolePolicy(
          `${name}-${env}-preview`,
          { role: previewRole.id, policy: scope.apply((s) => JSON.stringify(previewPolicy(s))) },
          parent,
        );
        this.previewRoleArns[env] = previewRole.arn;
      }

      this.deployRoleArns[env] = deployRole.arn;
      this.boundaryArns[env] = boundaryArn;
      this.secretsProviders[env] = pulumi.interpolate`awskms://${alias.name}`;
    }
    this.registerOutputs({
      oidcProviderArn: this.oidcProviderArn,
      deployRoleArns: this.deployRoleArns,
      previewRoleArns: this.previewRoleArns,
      boundaryArns: this.boundaryArns,
      secretsProviders: this.secretsProviders,
    });
  }
}
