/**
 * @module defaults: the defaults AIPM's components share, each stated once. A component and the
 * component that builds it both read the value here, so the two layers cannot disagree. What
 * differs between dev and prod is not here but in `stackProfiles` (stack-program.ts).
 */

/** Days logs are kept when the caller says nothing (the API's and the workers' log groups). */
export const defaultLogRetentionDays = 30;

/**
 * Days a deleted secret stays recoverable when the caller says nothing: AWS's own default, the one
 * that loses nothing. 0 deletes at once, so that a re-created stack can reuse the names (dev).
 */
export const defaultSecretRecoveryWindowInDays = 30;

/** Data protection when the caller says nothing: none (each stack states its own; prod turns all on). */
export const noDataProtection = {
  /** Point-in-time recovery on the tables. */
  pointInTimeRecovery: false,
  /** DynamoDB deletion protection on the tables. */
  deletionProtection: false,
  /** Pulumi `protect`: the stack refuses to delete the tables. */
  protect: false,
  /** Pulumi `retainOnDelete`: a table that leaves the program is left in AWS. */
  retainOnDelete: false,
} as const;

/** The API Lambda's memory in MB; CPU scales with it. */
export const defaultApiMemoryMb = 1024;

/** CloudFront's price class: North America and Europe. */
export const defaultPriceClass = "PriceClass_100";

/** The workers' instance type: a Graviton (arm64) type, as the AMI is arm64. */
export const defaultWorkerInstanceType = "t4g.small";

/** Queued tasks per in-service worker the scaling policy aims at. */
export const defaultTargetBacklogPerWorker = 2;

/** Workers get a public address: the default VPC's subnets have no NAT gateway. */
export const defaultAssociatePublicIpAddress = true;

/** The repository's default branch. */
export const defaultGithubBranch = "main";

/** The status check the default branch's ruleset requires: the job of .github/workflows/ci.yml. */
export const defaultRequiredCheck = "pnpm test";
