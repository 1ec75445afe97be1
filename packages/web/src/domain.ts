/**
 * @module domain: the shapes the app works with, and the value lists it shows, from @aipm/shared.
 * The app takes values only from its zod-free subpaths (`@aipm/shared/values`, `/story-tree`,
 * `/task-state`, `/usage`); the package's index, which holds the zod schemas, for types alone.
 */
import type { AcceptanceTest, AgentUsage, CodeGenerationTask, StoryDetail } from "@aipm/shared";
import type { RepositoryProvider, StoryStatus } from "@aipm/shared/values";

export type {
  AcceptanceTest,
  AgentList,
  AgentOffer,
  AgentUsage,
  CodeGenerationTask,
  InvestAnalysis,
  InvestWarning,
  Project,
  ProjectCreate,
  ProjectUpdate,
  StoryCreate,
  StoryDetail,
  StoryUpdate,
  TaskEvent,
  TraceabilityMatrix,
  TraceabilityRow,
} from "@aipm/shared";
export {
  type AcceptanceTestStatus,
  acceptanceTestStatuses,
  type InvestCriterion,
  investCriterionNames,
  type RepositoryProvider,
  type StoryStatus,
  storyLimits,
  storyStatuses,
  type TaskStatus,
  taskStatuses,
  terminalTaskStatuses,
} from "@aipm/shared/values";

/** A story as the workspace holds it: the API's story detail. */
export type Story = StoryDetail;
export type Task = CodeGenerationTask;

/** The health document of `GET /health`. */
export interface Health {
  status: "ok" | "unhealthy";
  version: string;
  commit: string;
  checks: Record<string, { status: "ok" | "failed"; ms: number; error?: string }>;
}

/** The queue document of `GET /api/queue`. */
export interface Queue {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number | null;
  expiredLeases: number;
  workers: {
    id: string;
    version: string;
    startedAt: string;
    lastHeartbeatAt: string;
    runningTasks: string[];
  }[];
}

/** The answer of Generate Code & PR. */
export interface CodeGeneration {
  task: Task;
  pullRequest: { number: number; url: string; branch: string };
}

/** A pull request's state on its forge. */
export type PullRequestState = "open" | "merged" | "closed";

/** `GET /api/projects/:projectId/pulls/:number`: a story's pull request as AIPM shows it. */
export interface PullRequestView {
  pullRequest: {
    number: number;
    title: string;
    url: string;
    branch: string;
    baseBranch: string;
    state: PullRequestState;
    headSha: string;
    provider: RepositoryProvider;
  };
  story: { id: string; title: string; status: StoryStatus; statusReason: string | null; version: number };
  acceptanceTests: AcceptanceTest[];
  tasks: Task[];
  checks: {
    state: "none" | "pending" | "success" | "failure";
    runs: { name: string; status: string; conclusion: string | null; url: string | null }[];
  } | null;
  doneRequiresPassingTests: boolean;
}

/** One file of `GET /api/projects/:projectId/pulls/:number/files`. */
export interface PullRequestFile {
  path: string;
  previousPath: string | null;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed";
  additions: number;
  deletions: number;
  binary: boolean;
  patch: string | null;
  truncated: boolean;
}

/** What merging or closing a pull request answered: its state and where its story went. */
export interface PullRequestEnded {
  pullRequest: PullRequestView["pullRequest"];
  story: PullRequestView["story"];
  merge?: { sha: string; method: "fast-forward" | "merge" };
}

/** Whether the API offers the AI actions, and with which provider and model. */
export interface AiStatus {
  enabled: boolean;
  provider: string | null;
  model: string | null;
}

/** A story the model drafted: the fields of a new story, for the user to edit before saving. */
export interface StoryDraft {
  title: string;
  asA: string;
  iWant: string;
  soThat: string;
  description: string;
  components: string[];
  storyPoints: number | null;
}

/** An acceptance test the model drafted. */
export interface TestDraft {
  title: string;
  given: string[];
  when: string[];
  then: string[];
}

/** An AI action's answer: its proposal and what the call consumed. */
export type AiAnswer<T> = T & { usage: AgentUsage };

/** What a project's agents and AI actions consumed, as `GET /api/projects/:id/usage` answers. */
export interface ProjectUsage {
  usage: { tasks: number; total: AgentUsage | null };
  ai: { calls: number; usage: AgentUsage | null };
  totalCostUsd: number;
}
