/**
 * @module domain: the shapes the app works with, and the value lists it shows, from @aipm/shared.
 * The app takes values only from its zod-free subpaths (`@aipm/shared/values`, `/story-tree`,
 * `/task-state`, `/usage`); the package's index, which holds the zod schemas, for types alone.
 */
import type { CodeGenerationTask, StoryDetail } from "@aipm/shared";

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
