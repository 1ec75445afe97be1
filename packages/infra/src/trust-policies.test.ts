import { describe, expect, it } from "vitest";
import { forAll, type Random } from "./random-cases.ts";
import { githubActionsTrustPolicy, githubSubject, serviceTrustPolicy } from "./trust-policies.ts";

const providerArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const owner = (random: Random) => random.string(alnum, 1) + random.string(`${alnum}-`, random.int(0, 20));
const repository = (random: Random) => random.string(`${alnum}._-`, random.int(1, 30)).replace(/^\.+$/, "r");

describe("githubActionsTrustPolicy (property)", () => {
  it("without an environment, trusts any ref of exactly this repository: repo:owner/name:*", () => {
    forAll(
      300,
      (random) => ({ owner: owner(random), repository: repository(random) }),
      (repo) => {
        const [statement] = githubActionsTrustPolicy({ providerArn, ...repo }).Statement;
        expect(statement?.Principal).toEqual({ Federated: providerArn });
        expect(statement?.Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
        expect(statement?.Condition).toEqual({
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          StringLike: {
            "token.actions.githubusercontent.com:sub": `repo:${repo.owner}/${repo.repository}:*`,
          },
        });
      },
    );
  });

  it("with an environment, trusts only repo:owner/name:environment:<env>, matched exactly", () => {
    forAll(
      300,
      (random) => ({
        owner: owner(random),
        repository: repository(random),
        environment: random.pick(["prod", "dev", "staging"]),
      }),
      (trust) => {
        const [statement] = githubActionsTrustPolicy({ providerArn, ...trust }).Statement;
        expect(statement?.Condition).toEqual({
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": `repo:${trust.owner}/${trust.repository}:environment:${trust.environment}`,
          },
        });
        expect(JSON.stringify(statement)).not.toContain("StringLike");
        expect(JSON.stringify(statement)).not.toContain("*");
      },
    );
  });

  it("refuses wildcards and malformed names instead of trusting more than one repository", () => {
    expect(() => githubSubject({ owner: "*", repository: "aipm" })).toThrow(/owner "\*"/);
    expect(() => githubSubject({ owner: "acme", repository: "*" })).toThrow(/repository "\*"/);
    expect(() => githubSubject({ owner: "acme", repository: "aipm", environment: "p*" })).toThrow(
      /environment/,
    );
    expect(() => githubSubject({ owner: "acme/other", repository: "aipm" })).toThrow(/owner/);
    expect(() =>
      githubActionsTrustPolicy({
        providerArn: "arn:aws:iam::123456789012:oidc-provider/example.com",
        owner: "acme",
        repository: "aipm",
      }),
    ).toThrow(/GitHub Actions OIDC provider/);
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
