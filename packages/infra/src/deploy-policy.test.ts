import { describe, expect, it } from "vitest";
import {
  ciArns,
  deployBoundaryPolicy,
  deployPolicy,
  oidcProviderChangeActions,
  policyChangeActions,
  previewPolicy,
  roleChangeActions,
  unscopedDeployActions,
} from "./deploy-policy.ts";
import { evaluatePolicy } from "./deploy-resource-types.ts";
import { forAll } from "./random-cases.ts";

const environments = ["dev", "prod", "staging", "qa", "pr-42"];
const scopeOf = (environment: string, accountId = "123456789012") => ({
  environment,
  accountId,
  partition: "aws",
});

describe("deployPolicy (property)", () => {
  it('never allows the action "*", and uses the resource "*" only for actions AWS cannot scope', () => {
    forAll(
      100,
      (random) => ({ environment: random.pick(environments), accountId: random.string("0123456789", 12) }),
      ({ environment, accountId }) => {
        for (const statement of deployPolicy(scopeOf(environment, accountId)).Statement) {
          expect(statement.Action).not.toContain("*");
          if (statement.Effect === "Allow" && statement.Resource.includes("*")) {
            expect(statement.Resource).toEqual(["*"]);
            expect(statement.Action).toEqual([...unscopedDeployActions]);
          }
        }
      },
    );
  });

  it("scopes every allowed resource to its own account and its own environment's prefix", () => {
    forAll(
      100,
      (random) => ({
        environment: random.pick(environments),
        other: random.pick(environments),
        accountId: random.string("0123456789", 12),
      }),
      ({ environment, other, accountId }) => {
        const statements = deployPolicy(scopeOf(environment, accountId)).Statement.filter(
          (statement) => statement.Effect === "Allow",
        );
        for (const statement of statements) {
          for (const resource of statement.Resource.filter((r) => r !== "*")) {
            // Buckets and AWS-owned public parameters and policies carry no account in their ARN.
            const awsOwned = resource.includes(":parameter/aws/service/") || resource.includes(":iam::aws:");
            if (!resource.startsWith("arn:aws:s3:::") && !awsOwned) {
              expect(resource).toContain(`:${accountId}:`);
            }
            const isShared =
              awsOwned ||
              resource.includes("oidc-provider/") ||
              resource.includes("aws-service-role/") ||
              // The stack-secrets key is named by its alias, in the condition.
              JSON.stringify(statement.Condition ?? {}).includes(`alias/aipm-${environment}-`);
            if (!isShared) {
              expect(
                resource.includes(`aipm-${environment}-`) ||
                  resource.includes(`/aipm/${environment}/`) ||
                  // The model keys' secrets, aipm/<env>/model/<KEY>.
                  resource.includes(`:secret:aipm/${environment}/`),
              ).toBe(true);
            }
            if (other !== environment && !other.startsWith(environment)) {
              expect(resource).not.toContain(`aipm-${other}-`);
            }
          }
        }
      },
    );
  });

  it("refuses an invalid environment, account id or role ARN", () => {
    expect(() => deployPolicy(scopeOf("*"))).toThrow(/not a valid environment/);
    expect(() => deployPolicy(scopeOf("dev", "*"))).toThrow(/12-digit/);
    expect(() => deployPolicy({ ...scopeOf("dev"), selfRoleArn: "*" })).toThrow(/not a role ARN/);
  });
});

describe("the deploy role cannot change its own permissions", () => {
  const scope = scopeOf("dev");
  const own = ciArns(scope);
  const documents = {
    deploy: deployPolicy(scope),
    boundary: deployBoundaryPolicy(scope),
    preview: previewPolicy(scope),
  };

  it("explicitly denies every change to its own role, the other CI roles and its boundary", () => {
    const prodRoles = ciArns(scopeOf("prod"));
    for (const [name, document] of Object.entries(documents)) {
      for (const role of [own.deployRole, own.previewRole, prodRoles.deployRole]) {
        for (const action of roleChangeActions) {
          expect(evaluatePolicy(document, action, role), `${name}: ${action} on ${role}`).toBe("deny");
        }
      }
      for (const boundary of [own.boundary, prodRoles.boundary]) {
        for (const action of policyChangeActions) {
          expect(evaluatePolicy(document, action, boundary), `${name}: ${action} on ${boundary}`).toBe(
            "deny",
          );
        }
      }
      for (const action of oidcProviderChangeActions) {
        expect(
          evaluatePolicy(
            document,
            action,
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
          ),
        ).toBe("deny");
      }
      expect(
        evaluatePolicy(
          document,
          "iam:DeleteRolePermissionsBoundary",
          "arn:aws:iam::123456789012:role/aipm-dev-api-role",
        ),
      ).toBe("deny");
    }
  });

  it("denies a role made before the bootstrap stack every change to itself, by its ARN", () => {
    const selfRoleArn = "arn:aws:iam::123456789012:role/aipm-dev-ci-deploy-1a2b3c";
    const document = deployPolicy({ ...scope, selfRoleArn });
    for (const action of roleChangeActions)
      expect(evaluatePolicy(document, action, selfRoleArn), action).toBe("deny");
    // Without the deny, the allow on aipm-dev-* would have covered it.
    expect(evaluatePolicy(deployPolicy(scope), "iam:UpdateAssumeRolePolicy", selfRoleArn)).toBe("allow");
  });

  it("creates and changes the environment's roles only with the environment's boundary on them", () => {
    const statement = documents.deploy.Statement.find((s) => s.Sid === "RolesUnderBoundary");
    expect(statement?.Action).toEqual(
      expect.arrayContaining(["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"]),
    );
    expect(statement?.Condition).toEqual({ StringEquals: { "iam:PermissionsBoundary": own.boundary } });
    expect(own.boundary).toBe("arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary");
    for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"]) {
      const unconditioned = documents.deploy.Statement.filter(
        (s) => s.Effect === "Allow" && s.Condition === undefined && s.Action.includes(action),
      );
      expect(unconditioned, action).toEqual([]);
    }
  });

  it("lets the deploy role manage the housekeeping schedule of its environment only", () => {
    const rule = (env: string) =>
      `arn:aws:events:us-east-1:123456789012:rule/aipm-${env}-api-housekeeping-1a2b`;
    for (const action of ["events:PutRule", "events:PutTargets", "events:DeleteRule", "events:TagResource"]) {
      expect(evaluatePolicy(documents.deploy, action, rule("dev")), action).toBe("allow");
      expect(evaluatePolicy(documents.deploy, action, rule("prod")), action).toBe("implicit-deny");
    }
  });

  it("gives the preview role nothing that changes a resource", () => {
    const actions = documents.preview.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
    for (const action of actions) expect(action).toMatch(/:(Get|Describe|Decrypt)/);
  });
});
