/**
 * @module trust-policies: who may assume AIPM's roles: AWS services for the runtime roles, and
 * GitHub Actions (OIDC) of exactly one repository, or one of its environments, for the deploy roles.
 */

/** The issuer host of GitHub Actions' OIDC tokens. */
export const githubOidcHost = "token.actions.githubusercontent.com";
/** The audience AWS's `configure-aws-credentials` action requests. */
export const githubOidcAudience = "sts.amazonaws.com";

export interface TrustStatement {
  Effect: "Allow";
  Principal: { Service: string[] } | { Federated: string };
  Action: string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface TrustPolicy {
  Version: "2012-10-17";
  Statement: TrustStatement[];
}

/**
 * A role trust policy for AWS services, e.g. `lambda.amazonaws.com`.
 *
 * @example serviceTrustPolicy("lambda.amazonaws.com", "edgelambda.amazonaws.com")
 */
export function serviceTrustPolicy(...services: string[]): TrustPolicy {
  if (services.length === 0)
    throw new Error("Name at least one service principal, e.g. lambda.amazonaws.com.");
  for (const service of services) {
    if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(service)) {
      throw new Error(`"${service}" is not an AWS service principal; use a name like "ec2.amazonaws.com".`);
    }
  }
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: services }, Action: ["sts:AssumeRole"] }],
  };
}

const ownerPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const repositoryPattern = /^[A-Za-z0-9._-]{1,100}$/;
const environmentPattern = /^[A-Za-z0-9._-]{1,255}$/;

export interface GithubActionsTrust {
  /** The ARN of the account's `token.actions.githubusercontent.com` OIDC provider. */
  providerArn: string;
  /** The repository's owner (user or organisation). */
  owner: string;
  /** The repository's name. */
  repository: string;
  /**
   * A GitHub deployment environment. When given, only jobs running in it may assume the role
   * (`repo:owner/name:environment:<environment>`); otherwise any workflow of the repository may
   * (`repo:owner/name:*`), which is what pull-request previews need.
   */
  environment?: string;
}

/** The `sub` claim a role trusts, for tests and for documentation. */
export function githubSubject(trust: Omit<GithubActionsTrust, "providerArn">): string {
  if (!ownerPattern.test(trust.owner)) {
    throw new Error(`GitHub owner "${trust.owner}" is not a user or organisation name (no wildcards).`);
  }
  if (!repositoryPattern.test(trust.repository) || /^\.+$/.test(trust.repository)) {
    throw new Error(`GitHub repository "${trust.repository}" is not a repository name (no wildcards).`);
  }
  if (trust.environment !== undefined && !environmentPattern.test(trust.environment)) {
    throw new Error(`GitHub environment "${trust.environment}" is not an environment name (no wildcards).`);
  }
  const repo = `repo:${trust.owner}/${trust.repository}`;
  return trust.environment === undefined ? `${repo}:*` : `${repo}:environment:${trust.environment}`;
}

/**
 * The trust policy of a deploy role assumed by GitHub Actions through OIDC: the audience must be
 * STS and the subject must be this repository (any ref), or only its given environment.
 *
 * @example githubActionsTrustPolicy({ providerArn, owner: "acme", repository: "aipm", environment: "prod" })
 */
export function githubActionsTrustPolicy(trust: GithubActionsTrust): TrustPolicy {
  if (
    !/^arn:[a-z-]+:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(trust.providerArn)
  ) {
    throw new Error(
      `"${trust.providerArn}" is not the ARN of a GitHub Actions OIDC provider (arn:aws:iam::<account>:oidc-provider/${githubOidcHost}).`,
    );
  }
  const subject = githubSubject(trust);
  const audience = `${githubOidcHost}:aud`;
  const subjectKey = `${githubOidcHost}:sub`;
  // An environment is matched exactly; without one, any ref of this repository (StringLike on "*").
  const Condition: Record<string, Record<string, string>> = trust.environment === undefined
    ? { StringEquals: { [audience]: githubOidcAudience }, StringLike: { [subjectKey]: subject } }
    : { StringEquals: { [audience]: githubOidcAudience, [subjectKey]: subject } };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: trust.providerArn },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition,
      },
    ],
  };
}
