import { describe, expect, it } from "vitest";
import { forAll, type Random } from "./random-cases.ts";
import {
  githubActionsTrustPolicy,
  githubSubject,
  githubTrustViolations,
  serviceTrustPolicy,
} from "./trust-policies.ts";

const providerArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const owner = (random: Random) => random.string(alnum, 1) + random.string(`${alnum}-`, random.int(0, 20));
const repository = (random: Random) => random.string(`${alnum}._-`, random.int(1, 30)).replace(/^\.+$/, "r");

describe("githubActionsTrustPolicy (property)", () => {
  it("trusts exactly the named environments' and branches' jobs of one repository, by StringEquals", () => {
    forAll(
      300,
      (random) => ({
        owner: owner(random),
        repository: repository(random),
        environment: random.pick(["prod", "dev", "staging"]),
        withBranch: random.pick([true, false]),
      }),
      ({ withBranch, environment, ...repo }) => {
        const subjects = withBranch ? [{ environment }, { branch: "main" }] : [{ environment }];
        const policy = githubActionsTrustPolicy({ providerArn, ...repo, subjects });
        const [statement] = policy.Statement;
        const prefix = `repo:${repo.owner}/${repo.repository}`;
        expect(statement?.Principal).toEqual({ Federated: providerArn });
        expect(statement?.Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
        expect(statement?.Condition).toEqual({
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": withBranch
              ? [`${prefix}:environment:${environment}`, `${prefix}:ref:refs/heads/main`]
              : `${prefix}:environment:${environment}`,
          },
        });
        expect(JSON.stringify(statement)).not.toContain("StringLike");
        expect(JSON.stringify(statement)).not.toContain("*");
        expect(githubTrustViolations(policy)).toEqual([]);
      },
    );
  });

  it("refuses to trust no job at all, wildcards and malformed names", () => {
    const repo = { owner: "acme", repository: "aipm" };
    expect(() => githubActionsTrustPolicy({ providerArn, ...repo, subjects: [] })).toThrow(
      /never trusts any ref/,
    );
    expect(() => githubSubject({ owner: "*", repository: "aipm" }, { environment: "dev" })).toThrow(
      /owner "\*"/,
    );
    expect(() => githubSubject({ owner: "acme", repository: "*" }, { environment: "dev" })).toThrow(
      /repository "\*"/,
    );
    expect(() => githubSubject(repo, { environment: "p*" })).toThrow(/environment/);
    expect(() => githubSubject(repo, { branch: "*" })).toThrow(/branch/);
    expect(() => githubSubject(repo, { branch: "feature/*" })).toThrow(/branch/);
    expect(() => githubSubject({ owner: "acme/other", repository: "aipm" }, { branch: "main" })).toThrow(
      /owner/,
    );
    expect(() =>
      githubActionsTrustPolicy({
        providerArn: "arn:aws:iam::123456789012:oidc-provider/example.com",
        ...repo,
        subjects: [{ environment: "prod" }],
      }),
    ).toThrow(/GitHub Actions OIDC provider/);
  });
});

describe("githubTrustViolations: no role trusted by GitHub OIDC accepts any ref", () => {
  const statement = (Condition: unknown) => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition,
      },
    ],
  });
  const aud = { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" };

  it("reports the any-ref pattern repo:owner/name:*, StringLike, and a missing subject or audience", () => {
    expect(
      githubTrustViolations(
        statement({
          StringEquals: aud,
          StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/aipm:*" },
        }),
      ),
    ).toEqual([
      "Statement 0: GitHub's claims must be matched with StringEquals, not StringLike.",
      "Statement 0: no subject: any workflow of any repository may assume it.",
    ]);
    expect(
      githubTrustViolations(
        statement({
          StringEquals: { ...aud, "token.actions.githubusercontent.com:sub": "repo:acme/aipm:*" },
        }),
      ),
    ).toEqual([
      "Statement 0: subject \"repo:acme/aipm:*\" is not one environment's or one branch's jobs of one repository.",
    ]);
    expect(
      githubTrustViolations(
        statement({
          StringEquals: { "token.actions.githubusercontent.com:sub": "repo:acme/aipm:pull_request" },
        }),
      ),
    ).toHaveLength(2);
  });

  it("ignores roles GitHub does not assume", () => {
    expect(githubTrustViolations(serviceTrustPolicy("lambda.amazonaws.com"))).toEqual([]);
  });
});

describe("serviceTrustPolicy", () => {
  it("lets the named services assume the role, and nothing else", () => {
    expect(serviceTrustPolicy("lambda.amazonaws.com", "edgelambda.amazonaws.com")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] },
          Action: ["sts:AssumeRole"],
        },
      ],
    });
    expect(() => serviceTrustPolicy("*")).toThrow(/not an AWS service principal/);
    expect(() => serviceTrustPolicy()).toThrow(/at least one/);
  });
});
