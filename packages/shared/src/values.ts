/**
 * @module values: the domain's value lists (statuses, agents, error codes, event types, INVEST
 * criteria) and field limits, each defined once. The zod schemas build their enums and bounds from
 * these. No zod here, nor in anything this imports, so the web app and the CLI can import
 * `@aipm/shared/values` without the schemas; values.test.ts keeps it so.
 */

/** `Review`: the pull request is merged but the story cannot be Done yet (`statusReason` says why). */
export const storyStatuses = ["Draft", "Ready", "In Progress", "Review", "Blocked", "Done"] as const;
export type StoryStatus = (typeof storyStatuses)[number];

export const acceptanceTestStatuses = ["Draft", "Ready", "Pass", "Fail"] as const;
export type AcceptanceTestStatus = (typeof acceptanceTestStatuses)[number];

/** How long a story's fields may be, in characters; `components` and `storyPoints` are bounds on numbers. */
export const storyLimits = {
  title: 200,
  asA: 500,
  iWant: 2_000,
  soThat: 2_000,
  description: 20_000,
  /** One component's name. */
  component: 60,
  /** How many components a story may have. */
  components: 20,
  assignee: 200,
  /** The highest number of points stored; INVEST flags values outside 1-8 rather than rejecting them. */
  storyPoints: 100,
} as const;

/**
 * How long an acceptance test's title and each Given/When/Then step may be, how many steps of each,
 * and how many characters all the steps of one of them (its Given, its When or its Then) may hold
 * together when written: with 100 tests a story stays under about 0.5 MB, cheap to read and send.
 */
export const acceptanceTestLimits = { title: 200, step: 1_000, steps: 30, stepsCharacters: 1_500 } as const;

/**
 * How many of each thing a story or project may hold: far above what a team writes, low enough
 * that one story (its tests at their largest, about 0.5 MB) stays cheap to read and send. The API
 * refuses a write past one with 422 and the problem type `limit-exceeded`.
 */
export const collectionLimits = {
  /** Acceptance tests per story. */
  acceptanceTestsPerStory: 100,
  /** Stories a story depends on. */
  dependenciesPerStory: 50,
  /** Stories per project. */
  storiesPerProject: 10_000,
} as const;

/**
 * How long the text a person gives one run of the agent may be: extra instructions (Generate,
 * Retry, Request changes) and a round's feedback. Both are rendered into TASK.md.
 */
export const runTextLimits = { instructions: 4_000, feedback: 10_000 } as const;

/** Rounds (the first run and each Request changes) one pull request may have, unless its project says otherwise. */
export const roundLimits = { default: 5, most: 20 } as const;

/**
 * `succeeded_with_failures`: the agent's work was committed and pushed, but the project's test
 * command then failed (see the task's `tests.ran` event for which acceptance tests fail).
 */
export const taskStatuses = [
  "queued",
  "running",
  "succeeded",
  "succeeded_with_failures",
  "failed",
  "cancelled",
  "timed_out",
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** The states a task never leaves; a retry makes a new task instead. */
export const terminalTaskStatuses = [
  "succeeded",
  "succeeded_with_failures",
  "failed",
  "cancelled",
  "timed_out",
] as const satisfies readonly TaskStatus[];

/** The agents with a profile in the worker, `scaffold` (built in) first. */
export const agentNames = ["scaffold", "claude", "codex", "gemini", "opencode", "kiro", "aider"] as const;

/** Stable, machine-readable reasons a task failed. */
export const taskErrorCodes = [
  "lease_expired",
  "agent_failed",
  "agent_timeout",
  "agent_idle_timeout",
  "agent_not_found",
  "agent_auth_failed",
  "agent_misconfigured",
  "agent_budget_exceeded",
  "agent_sandbox_unavailable",
  "agent_worktree_too_large",
  "agent_out_of_memory",
  "git_failed",
  "push_rejected",
  "forge_failed",
  "nothing_to_commit",
  "pull_request_closed",
  "worker_error",
] as const;
export type TaskErrorCode = (typeof taskErrorCodes)[number];

export const taskEventTypes = [
  "task.queued",
  "task.claimed",
  "task.heartbeat_lost",
  "task.lease_expired",
  "task.released",
  "task.cancel_requested",
  "task.cancelled",
  "task.succeeded",
  "task.succeeded_with_failures",
  "task.failed",
  "task.timed_out",
  "task.retried",
  "pull_request.opened",
  "pull_request.merged",
  "pull_request.closed",
  "agent.started",
  "agent.output",
  "agent.exited",
  "agent.usage",
  "git.committed",
  "git.pushed",
  "tests.ran",
  "log",
] as const;
export type TaskEventType = (typeof taskEventTypes)[number];

/** How a run of the project's test command ended (the `tests.ran` event's `outcome`). */
export const testRunOutcomes = ["passed", "failed", "error", "not_run"] as const;
export type TestRunOutcome = (typeof testRunOutcomes)[number];

/** The longest test command a project may set, in characters. */
export const testCommandMaxLength = 500;

export const repositoryProviders = ["github", "local"] as const;
export type RepositoryProvider = (typeof repositoryProviders)[number];

/** Independent, Negotiable, Valuable, Estimable, Small, Testable. */
export const investCriteria = ["I", "N", "V", "E", "S", "T"] as const;
export type InvestCriterion = (typeof investCriteria)[number];
/** The story fields an AI review may propose a rewrite of. */
export const investRewriteFields = ["title", "asA", "iWant", "soThat", "description"] as const;

/** Each INVEST criterion's name, as people read it. */
export const investCriterionNames = {
  I: "Independent",
  N: "Negotiable",
  V: "Valuable",
  E: "Estimable",
  S: "Small",
  T: "Testable",
} as const satisfies Record<InvestCriterion, string>;
