/**
 * @module components/github-repository: the GitHub side of an environment: its deployment
 * environment, the Actions variables its workflows read, the webhook to its API, and (for the
 * stack that owns it) the default branch's ruleset.
 */
import * as actionsVariable from "@pulumi/github/actionsVariable";
import * as getUser from "@pulumi/github/getUser";
import * as provider from "@pulumi/github/provider";
import * as repositoryEnvironment from "@pulumi/github/repositoryEnvironment";
import * as repositoryEnvironmentDeploymentPolicy from "@pulumi/github/repositoryEnvironmentDeploymentPolicy";
import * as repositoryRuleset from "@pulumi/github/repositoryRuleset";
import * as repositoryWebhook from "@pulumi/github/repositoryWebhook";
import * as pulumi from "@pulumi/pulumi";
import { defaultGithubBranch, defaultRequiredCheck } from "../defaults.ts";

export interface GithubRepositoryArgs {
  /** The repository's owner (user or organisation). */
  owner: string;
  /** The repository's name. */
  repository: string;
  /** A token that may administer the repository (rulesets, environments, webhooks). */
  token: pulumi.Input<string>;
  /** The GitHub deployment environment this stack owns, e.g. `dev` or `prod`. */
  environment: string;
  /** GitHub users who must approve a deployment to the environment. Default: none. */
  reviewers?: string[];
  /**
   * Only the default branch may deploy to the environment (prod). Default: false, any branch
   * may (dev deploys pull requests).
   */
  defaultBranchOnly?: boolean;
  /**
   * Repository Actions variables this stack owns, e.g. `AWS_DEPLOY_ROLE_ARN_DEV`. They are
   * repository-wide (a pull request's preview job runs in no environment), so each stack names
   * its own.
   */
  variables: Record<string, pulumi.Input<string>>;
  /** The URL GitHub delivers pull-request events to. */
  webhookUrl: pulumi.Input<string>;
  /** The secret deliveries are signed with. */
  webhookSecret: pulumi.Input<string>;
  /**
   * Manage the default branch's ruleset. A repository has one, so exactly one stack (prod) sets
   * this. Default: false.
   */
  manageBranchRuleset?: boolean;
  /** The default branch. Default: {@link defaultGithubBranch}. */
  defaultBranch?: string;
  /** The status check the ruleset requires: the CI job's name. Default: {@link defaultRequiredCheck}. */
  requiredCheck?: string;
  /** Approving reviews the ruleset requires. Default: 1. */
  requiredApprovals?: number;
}

/**
 * @example new GithubRepository("aipm-prod-github", { owner: "acme", repository: "aipm", environment: "prod", reviewers: ["alice"], manageBranchRuleset: true, ... })
 */
export class GithubRepository extends pulumi.ComponentResource {
  readonly environmentName: pulumi.Output<string>;

  constructor(name: string, args: GithubRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:github:GithubRepository", name, {}, opts);
    const github = new provider.Provider(
      `${name}-provider`,
      { owner: args.owner, token: pulumi.secret(args.token) },
      { parent: this },
    );
    const childOptions = { parent: this, provider: github };
    const repository = args.repository;

    const reviewerIds = (args.reviewers ?? []).map((username) =>
      getUser
        .getUserOutput({ username }, { parent: this, provider: github })
        .apply((user) => Number(user.id)),
    );
    const environment = new repositoryEnvironment.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository,
        environment: args.environment,
        preventSelfReview: reviewerIds.length > 0,
        canAdminsBypass: false,
        reviewers: reviewerIds.length > 0 ? [{ users: reviewerIds }] : [],
        deploymentBranchPolicy: args.defaultBranchOnly
          ? { protectedBranches: false, customBranchPolicies: true }
          : undefined,
      },
      childOptions,
    );
    if (args.defaultBranchOnly) {
      new repositoryEnvironmentDeploymentPolicy.RepositoryEnvironmentDeploymentPolicy(
        `${name}-deploy-from-default-branch`,
        {
          repository,
          environment: environment.environment,
          branchPattern: args.defaultBranch ?? defaultGithubBranch,
        },
        childOptions,
      );
    }
    for (const [variableName, value] of Object.entries(args.variables)) {
      new actionsVariable.ActionsVariable(
        `${name}-var-${variableName}`,
        { repository, variableName, value },
        childOptions,
      );
    }

    new repositoryWebhook.RepositoryWebhook(
      `${name}-webhook`,
      {
        repository,
        events: ["pull_request"],
        active: true,
        configuration: {
          url: args.webhookUrl,
          contentType: "json",
          insecureSsl: false,
          secret: pulumi.secret(args.webhookSecret),
        },
      },
      childOptions,
    );

    if (args.manageBranchRuleset) {
      new repositoryRuleset.RepositoryRuleset(
        `${name}-default-branch`,
        {
          repository,
          name: "default branch: reviewed and tested",
          target: "branch",
          enforcement: "active",
          conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
          rules: {
            deletion: true,
            nonFastForward: true,
            pullRequest: {
              requiredApprovingReviewCount: args.requiredApprovals ?? 1,
              dismissStaleReviewsOnPush: true,
              requiredReviewThreadResolution: true,
            },
            requiredStatusChecks: {
              strictRequiredStatusChecksPolicy: true,
              requiredChecks: [{ context: args.requiredCheck ?? defaultRequiredCheck }],
            },
          },
        },
        childOptions,
      );
    }

    this.environmentName = environment.environment;
    this.registerOutputs({ environmentName: this.environmentName });
  }
}
