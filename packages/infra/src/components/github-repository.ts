/**
 * @module components/github-repository: the GitHub side of an environment: its deployment
 * environment and the secrets only its jobs read, the Actions variables its workflows read, the
 * webhook to its API, and (for the stack that owns it) the default branch's ruleset.
 *
 * What GitHub offers depends on its plan ({@link GithubPlan}): on a private repository,
 * environments, their secrets and deployment branch policies need GitHub Pro, Team or Enterprise,
 * rulesets Pro or Team, and required reviewers Enterprise; a public repository has them all on
 * every plan. Where required reviewers are unavailable, the deploy workflow itself holds the gate:
 * it deploys only when dispatched by one of the listed approvers (the `AIPM_<ENV>_GATE=workflow`
 * and `AIPM_<ENV>_APPROVERS` variables published here).
 */
import * as actionsEnvironmentSecret from "@pulumi/github/actionsEnvironmentSecret";
import * as actionsVariable from "@pulumi/github/actionsVariable";
import * as getUser from "@pulumi/github/getUser";
import * as provider from "@pulumi/github/provider";
import * as repositoryEnvironment from "@pulumi/github/repositoryEnvironment";
import * as repositoryEnvironmentDeploymentPolicy from "@pulumi/github/repositoryEnvironmentDeploymentPolicy";
import * as repositoryRuleset from "@pulumi/github/repositoryRuleset";
import * as repositoryWebhook from "@pulumi/github/repositoryWebhook";
import * as pulumi from "@pulumi/pulumi";
import { defaultGithubBranch, defaultRequiredCheck } from "../defaults.ts";

/**
 * The repository's GitHub features: `free` (a private repository on GitHub Free: no environments,
 * no rulesets), `team` (a private repository on Pro or Team: environments with their secrets and
 * branch policies, rulesets, but no required reviewers), `enterprise` (GitHub Enterprise, or any
 * public repository: everything, required reviewers included).
 */
export type GithubPlan = "free" | "team" | "enterprise";
export const githubPlans: readonly GithubPlan[] = ["free", "team", "enterprise"];

/** What a plan lets the component manage. */
export function githubPlanFeatures(plan: GithubPlan) {
  return {
    environments: plan !== "free",
    rulesets: plan !== "free",
    requiredReviewers: plan === "enterprise",
  };
}

/** The config key of the repository administration token. */
export const githubAdminTokenKey = "aipm:githubAdminToken";

/**
 * The repository administration token from a stack's config. It is required, and never falls
 * back to the workers' least-privilege `aipm:githubToken`: that one may only push branches and
 * open pull requests, and is stored where the API and workers read it.
 *
 * @example token: requireGithubAdminToken(config)
 */
export function requireGithubAdminToken(config: Pick<pulumi.Config, "getSecret">): pulumi.Output<string> {
  const token = config.getSecret("githubAdminToken");
  if (token === undefined) {
    throw new Error(
      `${githubAdminTokenKey} is required: a fine-grained token of a repository administrator with ` +
        "Administration, Environments, Secrets, Variables and Webhooks (read and write) on the repository. " +
        "Set it with `pulumi config set --secret aipm:githubAdminToken <token>`; the workers' aipm:githubToken " +
        "is deliberately not used for this.",
    );
  }
  return token;
}

/** Checks `aipm:githubPlan`; undefined gives the default. */
export function parseGithubPlan(value: string | undefined): GithubPlan | undefined {
  if (value === undefined) return undefined;
  if (!(githubPlans as readonly string[]).includes(value)) {
    throw new Error(`aipm:githubPlan must be one of ${githubPlans.join(", ")}; got "${value}".`);
  }
  return value as GithubPlan;
}

export interface GithubRepositoryArgs {
  /** The repository's owner (user or organisation). */
  owner: string;
  /** The repository's name. */
  repository: string;
  /**
   * A token that may administer the repository (rulesets, environments, secrets, webhooks): from
   * {@link requireGithubAdminToken}, never the workers' token.
   */
  token: pulumi.Input<string>;
  /** The repository's GitHub features. Default: `enterprise` (every feature). */
  plan?: GithubPlan;
  /**
   * Secrets of this environment's GitHub jobs only, e.g. `{ AIPM_API_TOKEN: apiToken }`: set in
   * the GitHub environment, so another environment's jobs (and pull requests) never read them.
   * Not set on `free`, which has no environments. Default: none.
   */
  environmentSecrets?: Record<string, pulumi.Input<string>>;
  /** The GitHub deployment environment this stack owns, e.g. `dev` or `prod`. */
  environment: string;
  /**
   * GitHub users who must approve a deployment to the environment. Default: none. With two or
   * more, the one who started a deployment cannot approve it (one alone could never deploy).
   * Without required reviewers on the plan, they are the approvers the workflow's gate accepts.
   */
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

    const features = githubPlanFeatures(args.plan ?? "enterprise");
    const reviewers = args.reviewers ?? [];
    const variables: Record<string, pulumi.Input<string>> = { ...args.variables };
    if (reviewers.length > 0 && !features.requiredReviewers) {
      // No required reviewers on this plan: the deploy workflow gates the environment itself,
      // accepting a deployment dispatched by one of these approvers.
      const key = args.environment.toUpperCase().replaceAll("-", "_");
      variables[`AIPM_${key}_GATE`] = "workflow";
      variables[`AIPM_${key}_APPROVERS`] = reviewers.join(",");
    }

    let environmentName: pulumi.Output<string> = pulumi.output(args.environment);
    if (features.environments) {
      const reviewerIds = features.requiredReviewers
        ? reviewers.map((username) =>
            getUser
              .getUserOutput({ username }, { parent: this, provider: github })
              .apply((user) => Number(user.id)),
          )
        : [];
      const environment = new repositoryEnvironment.RepositoryEnvironment(
        `${name}-environment`,
        {
          repository,
          environment: args.environment,
          // With one reviewer, forbidding self-review would block every deployment they start.
          preventSelfReview: reviewerIds.length >= 2,
          canAdminsBypass: false,
          reviewers: reviewerIds.length > 0 ? [{ users: reviewerIds }] : [],
          deploymentBranchPolicy: args.defaultBranchOnly
            ? { protectedBranches: false, customBranchPolicies: true }
            : undefined,
        },
        childOptions,
      );
      environmentName = environment.environment;
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
      for (const [secretName, value] of Object.entries(args.environmentSecrets ?? {})) {
        new actionsEnvironmentSecret.ActionsEnvironmentSecret(
          `${name}-secret-${secretName}`,
          {
            repository,
            environment: environment.environment,
            secretName,
            plaintextValue: pulumi.secret(value),
          },
          childOptions,
        );
      }
    }
    for (const [variableName, value] of Object.entries(variables)) {
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

    if (args.manageBranchRuleset && features.rulesets) {
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

    this.environmentName = environmentName;
    this.registerOutputs({ environmentName: this.environmentName });
  }
}
