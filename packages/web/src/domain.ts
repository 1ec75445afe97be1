/**
 * @module domain: the shapes the app works with, from @aipm/shared, and the value lists it shows.
 * The lists are repeated here because their @aipm/shared originals sit beside zod schemas that
 * would triple the bundle; domain.test.ts keeps the two equal.
 */
import type {
  AcceptanceTestStatus,
  CodeGenerationTask,
  InvestCriterion,
  StoryDetail,
  StoryStatus,
  TaskStatus,
} from "@aipm/shared";

export type {
  AcceptanceTest,
  AcceptanceTestStatus,
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
  StoryStatus,
  StoryUpdate,
  TaskEvent,
  TaskStatus,
} from "@aipm/shared";

/** A story as the workspace holds it: the API's story detail. */
export type Story = StoryDetail;
export type Task = CodeGenerationTask;

export const storyStatuses = [
  "Draft",
  "Ready",
  "In Progress",
  "Blocked",
  "Done",
] as const satisfies readonly StoryStatus[];

export const acceptanceTestStatuses = [
  "Draft",
  "Ready",
  "Pass",
  "Fail",
] as const satisfies readonly AcceptanceTestStatus[];

export const taskStatuses = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
] as const satisfies readonly TaskStatus[];

export const investCriterionNames = {
  I: "Independent",
  N: "Negotiable",
  V: "Valuable",
  E: "Estimable",
  S: "Small",
  T: "Testable",
} as const satisfies Record<InvestCriterion, string>;

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
