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

/**
 * The API Lambda's timeout in seconds. A live event stream ends 5 s before it, with `retry:`, and
 * an AI action's model call may take 5 s less (a split's answer can take half a minute); both keep
 * bytes flowing, which is what CloudFront's 30 s read timeout measures.
 */
export const defaultApiTimeoutSeconds = 60;

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

/**
 * Instance types the workers' group may launch when the preferred one is short in a zone, in this
 * order: Graviton types offered in most zones of every region, so one refused launch is followed
 * by another type rather than by no worker.
 */
export const defaultWorkerFallbackInstanceTypes = ["m7g.medium", "m6g.medium"] as const;

/** The Node.js major release the workers run, from the distribution's packages (`nodejs22`). */
export const defaultWorkerNodeMajor = 22;

/** The agent CLIs the workers install: none, so only the built-in scaffold agent runs. */
export const defaultAgents = [] as const;

/** The agent a task runs when its request names none. */
export const defaultAgent = "scaffold";

/** A run's total bound on the workers, in seconds (the worker's own default, `AIPM_AGENT_TIMEOUT_S`). */
export const defaultAgentTimeoutSeconds = 1_800;

/** How long running tasks may finish on SIGTERM before they are handed back (`AIPM_SHUTDOWN_GRACE_S`). */
export const defaultShutdownGraceSeconds = 20;

/**
 * How long a terminating instance's running tasks may finish before they are handed back
 * (`AIPM_DRAIN_GRACE_S`): a whole run, plus five minutes to prepare, commit and push.
 */
export const defaultDrainGraceSeconds = defaultAgentTimeoutSeconds + 300;
