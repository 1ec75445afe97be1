/**
 * @module runtime-boundary: the permissions boundary every role an environment creates carries
 * once the environment is bootstrapped (stacks/bootstrap made its deploy role). That deploy role
 * may create a role, or change a role's policies, only with the environment's boundary attached
 * (`iam:PermissionsBoundary`), so the runtime roles must name exactly it.
 */
import { ciArns } from "./deploy-policy.ts";

/**
 * The boundary of `environment`'s runtime roles, given its deploy role from stacks/bootstrap
 * (`aipm:ciDeployRoleArn`, the bootstrap stack's `deployRoleArns.<environment>`); refuses another
 * environment's role or a role not made by stacks/bootstrap.
 *
 * @example runtimeBoundaryArn("dev", "arn:aws:iam::123456789012:role/aipm-ci/aipm-dev-deploy") // "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary"
 */
export function runtimeBoundaryArn(environment: string, deployRoleArn: string): string {
  const match = /^arn:([a-z-]+):iam::(\d{12}):role\//.exec(deployRoleArn);
  const scope = { environment, partition: match?.[1] ?? "aws", accountId: match?.[2] ?? "<account>" };
  const expected = ciArns(scope);
  if (deployRoleArn !== expected.deployRole) {
    throw new Error(
      `aipm:ciDeployRoleArn "${deployRoleArn}" is not ${environment}'s deploy role from stacks/bootstrap: ` +
        `expected ${expected.deployRole} (the bootstrap stack's output deployRoleArns.${environment}).`,
    );
  }
  return expected.boundary;
}
