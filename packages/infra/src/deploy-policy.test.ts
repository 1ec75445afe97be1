import { describe, expect, it } from "vitest";
import { deployPolicy, unscopedDeployActions } from "./deploy-policy.ts";
import { forAll } from "./random-cases.ts";

const environments = ["dev", "prod", "staging", "qa", "pr-42"];

describe("deployPolicy (property)", () => {
  it('never allows the action "*", and uses the resource "*" only for actions AWS cannot scope', () => {
    forAll(
      100,
      (random) => ({ environment: random.pick(environments), accountId: random.string("0123456789", 12) }),
      ({ environment, accountId }) => {
        for (const statement of deployPolicy({ environment, accountId, partition: "aws" }).Statement) {
          expect(statement.Action).not.toContain("*");
          if (statement.Resource.includes("*")) {
            expect(statement.Resource).toEqual(["*"]);
            expect(statement.Action).toEqual([...unscopedDeployActions]);
          }
        }
      },
    );
  });

  it("scopes every named resource to its own account and its own environment's prefix", () => {
    forAll(
      100,
      (random) => ({
        environment: random.pick(environments),
        other: random.pick(environments),
        accountId: random.string("0123456789", 12),
      }),
      ({ environment, other, accountId }) => {
        const resources = deployPolicy({ environment, accountId, partition: "aws" })
          .Statement.flatMap((statement) => statement.Resource)
          .filter((resource) => resource !== "*");
        for (const resource of resources) {
          // Buckets and AWS-owned public parameters carry no account in their ARN.
          if (!resource.startsWith("arn:aws:s3:::") && !resource.includes(":parameter/aws/service/")) {
            expect(resource).toContain(`:${accountId}:`);
          }
          const isShared =
            resource.includes("oidc-provider/") ||
            resource.includes("aws-service-role/") ||
            resource.includes(":parameter/aws/service/");
          if (!isShared) {
            expect(
              resource.includes(`aipm-${environment}-`) || resource.includes(`/aipm/${environment}/`),
            ).toBe(true);
          }
          if (other !== environment && !other.startsWith(environment)) {
            expect(resource).not.toContain(`aipm-${other}-`);
          }
        }
      },
    );
  });

  it("refuses an invalid environment or account id", () => {
    expect(() => deployPolicy({ environment: "*", accountId: "123456789012", partition: "aws" })).toThrow(
      /not a valid environment/,
    );
    expect(() => deployPolicy({ environment: "dev", accountId: "*", partition: "aws" })).toThrow(/12-digit/);
  });
});
