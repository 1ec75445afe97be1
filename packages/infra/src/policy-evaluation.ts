/**
 * @module policy-evaluation: how an IAM permission document decides one request, for the tests
 * that check the deploy role, its boundary and the runtime roles against what they must do.
 */
import type { PolicyStatement } from "./access-policies.ts";

/** How a policy decides one request, as IAM does without conditions: an explicit deny wins. */
export type PolicyDecision = "allow" | "deny" | "implicit-deny";

/** IAM's wildcard match: `*` any run of characters, `?` one; actions case-insensitively. */
export function iamPatternMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

/**
 * Whether `document` allows `action` on `resource`, treating every condition as met (the most a
 * role could do): any matching Deny wins, then any matching Allow.
 *
 * @example evaluatePolicy(deployPolicy(scope), "iam:PutRolePolicy", ciArns(scope).deployRole) // "deny"
 */
export function evaluatePolicy(
  document: { Statement: readonly PolicyStatement[] },
  action: string,
  resource: string,
): PolicyDecision {
  const matches = (statement: PolicyStatement) =>
    (statement.Action ?? []).some((pattern) => iamPatternMatches(pattern, action, true)) &&
    (statement.Resource ?? []).some((pattern) => iamPatternMatches(pattern, resource));
  const matching = document.Statement.filter(matches);
  if (matching.some((statement) => statement.Effect === "Deny")) return "deny";
  return matching.some((statement) => statement.Effect === "Allow") ? "allow" : "implicit-deny";
}
