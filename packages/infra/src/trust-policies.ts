/**
 * @module trust-policies: who may assume AIPM's roles: AWS services for the runtime roles, and
 * GitHub Actions (OIDC) jobs of exactly one repository, named by exact `sub` claims, for the CI roles.
 * No role trusted by GitHub accepts "any ref" (`repo:owner/name:*`): every subject is matched with
 * StringEquals and may hold no wildcard.
 */

/** The issuer host of GitHub Actions' OIDC tokens. */
export const githubOidcHost = "token.actions.githubusercontent.com";
/** The audience AWS's `configure-aws-credentials` action requests. */
export const githubOidcAudience = "sts.amazonaws.com";

export interface TrustStatement {
  Effect: "Allow";
  Principal: { Service: string[] } | { Federated: string };
  Action: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
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
const branchPattern = /^[A-Za-z0-9._/-]{1,255}$/;

/**
 * One kind of GitHub Actions job, as its OIDC token's `sub` claim names it:
 * - `{ environment: "prod" }`: jobs that run in the repository's `prod` environment
 *   (`repo:owner/name:environment:prod`);
 * - `{ branch: "main" }`: jobs of pushes to (or dispatches on) `main` that name no environment
 *   (`repo:owner/name:ref:refs/heads/main`).
 */
export type GithubJobSubject = { environment: string } | { branch: string };

export interface GithubRepositoryRef {
  /** The repository's owner (user or organisation). */
  owner: string;
  /** The repository's name. */
  repository: string;
}

export interface GithubActionsTrust extends GithubRepositoryRef {
  /** The ARN of the account's `token.actions.githubusercontent.com` OIDC provider. */
  providerArn: string;
  /** The jobs that may assume the role; at least one. */
  subjects: readonly GithubJobSubject[];
}

/**
 * The exact `sub` claim of one kind of job; refuses wildcards and malformed names, so a role never
 * trusts more than the jobs it names.
 *
 * @example githubSubject({ owner: "acme", repository: "aipm" }, { environment: "prod" }) // "repo:acme/aipm:environment:prod"
 */
export function githubSubject(repo: GithubRepositoryRef, subject: GithubJobSubject): string {
  if (!ownerPattern.test(repo.owner)) {
    throw new Error(`GitHub owner "${repo.owner}" is not a user or organisation name (no wildcards).`);
  }
  if (!repositoryPattern.test(repo.repository) || /^\.+$/.test(repo.repository)) {
    throw new Error(`GitHub repository "${repo.repository}" is not a repository name (no wildcards).`);
  }
  const prefix = `repo:${repo.owner}/${repo.repository}`;
  if ("environment" in subject) {
    if (!environmentPattern.test(subject.environment)) {
      throw new Error(
        `GitHub environment "${subject.environment}" is not an environment name (no wildcards).`,
      );
    }
    return `${prefix}:environment:${subject.environment}`;
  }
  if (!branchPattern.test(subject.branch) || subject.branch.includes("..")) {
    throw new Error(`"${subject.branch}" is not a branch name (no wildcards).`);
  }
  return `${prefix}:ref:refs/heads/${subject.branch}`;
}

/**
 * The trust policy of a role assumed by GitHub Actions through OIDC: the audience must be STS and
 * the subject exactly one of the given jobs' (StringEquals, never StringLike).
 *
 * @example githubActionsTrustPolicy({ providerArn, owner: "acme", repository: "aipm", subjects: [{ environment: "prod" }] })
 */
export function githubActionsTrustPolicy(trust: GithubActionsTrust): TrustPolicy {
  if (
    !/^arn:[a-z-]+:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(trust.providerArn)
  ) {
    throw new Error(
      `"${trust.providerArn}" is not the ARN of a GitHub Actions OIDC provider (arn:aws:iam::<account>:oidc-provider/${githubOidcHost}).`,
    );
  }
  if (trust.subjects.length === 0) {
    throw new Error(
      'Name at least one GitHub job the role trusts, e.g. { environment: "prod" }; a role never trusts any ref.',
    );
  }
  const subjects = [...new Set(trust.subjects.map((subject) => githubSubject(trust, subject)))];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: trust.providerArn },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: {
            [`${githubOidcHost}:aud`]: githubOidcAudience,
            [`${githubOidcHost}:sub`]: subjects.length === 1 ? (subjects[0] as string) : subjects,
          },
        },
      },
    ],
  };
}

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/**
 * What is wrong with a trust policy that GitHub Actions' OIDC provider may use: every such
 * statement must pin the audience to STS and the subject, with StringEquals, to claims without
 * wildcards (no `repo:owner/name:*`, no `StringLike`, no `ForAnyValue`). Empty when it is sound,
 * and for documents GitHub is not trusted by.
 *
 * @example expect(githubTrustViolations(JSON.parse(role.assumeRolePolicy))).toEqual([])
 */
export function githubTrustViolations(document: unknown): string[] {
  const violations: string[] = [];
  const statements = asList((document as { Statement?: unknown } | undefined)?.Statement);
  statements.forEach((raw, index) => {
    const statement = (raw ?? {}) as {
      Effect?: string;
      Principal?: { Federated?: unknown };
      Condition?: Record<string, Record<string, unknown>>;
    };
    const federated = asList(statement.Principal?.Federated).map(String);
    if (
      statement.Effect !== "Allow" ||
      !federated.some((arn) => arn.endsWith(`oidc-provider/${githubOidcHost}`))
    )
      return;
    const where = `Statement ${index}`;
    const conditions = statement.Condition ?? {};
    for (const operator of Object.keys(conditions)) {
      if (operator !== "StringEquals") {
        violations.push(`${where}: GitHub's claims must be matched with StringEquals, not ${operator}.`);
      }
    }
    const equals = conditions.StringEquals ?? {};
    const audiences = asList(equals[`${githubOidcHost}:aud`]);
    if (audiences.length !== 1 || audiences[0] !== githubOidcAudience) {
      violations.push(`${where}: the audience must be exactly ${githubOidcAudience}.`);
    }
    const subjects = asList(equals[`${githubOidcHost}:sub`]).map(String);
    if (subjects.length === 0)
      violations.push(`${where}: no subject: any workflow of any repository may assume it.`);
    for (const subject of subjects) {
      if (
        /[*?]/.test(subject) ||
        !/^repo:[^/:]+\/[^/:]+:(environment:[^:]+|ref:refs\/heads\/[^:]+)$/.test(subject)
      ) {
        violations.push(
          `${where}: subject "${subject}" is not one environment's or one branch's jobs of one repository.`,
        );
      }
    }
  });
  return violations;
}
