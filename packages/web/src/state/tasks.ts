/**
 * @module state/tasks: code generation. Starts a task (the pull request link comes back at once),
 * follows one task's events live, cancels and retries.
 */
import { computed, signal } from "@preact/signals";
import { ApiError } from "../api/client.ts";
import { type FollowMode, followTaskEvents } from "../api/task-events.ts";
import type { Story, Task, TaskEvent } from "../domain.ts";
import { newIdempotencyKey } from "../logic/ids.ts";
import { notify, reportError } from "./notices.ts";
import { api } from "./session.ts";
import { refreshStory } from "./stories.ts";

/** The open project's recent tasks, newest first. */
export const projectTasks = signal<Task[]>([]);

/** The newest task of each story. */
export const latestTaskByStory = computed(() => {
  const latest = new Map<string, Task>();
  for (const task of projectTasks.value) if (!latest.has(task.storyId)) latest.set(task.storyId, task);
  return latest;
});

export interface FollowedTask {
  task: Task;
  events: TaskEvent[];
  /** How events arrive now; "ended" once the task finished and every event is in. */
  mode: FollowMode | "connecting" | "ended";
}

/** The task the task panel shows, with its log. */
export const followed = signal<FollowedTask | null>(null);

function putTask(task: Task): void {
  const others = projectTasks.value.filter((candidate) => candidate.id !== task.id);
  projectTasks.value = [task, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (followed.value?.task.id === task.id) followed.value = { ...followed.value, task };
}

export async function loadTasks(projectId: string): Promise<void> {
  try {
    projectTasks.value = await api.listTasks({ projectId, limit: 200 });
  } catch (error) {
    reportError("The tasks could not be loaded", error);
  }
}

let following: AbortController | null = null;

export function stopFollowing(): void {
  following?.abort();
  following = null;
  followed.value = null;
}

/** Shows `task` in the task panel and follows its events until it ends or another task is shown. */
export function followTask(task: Task): void {
  if (followed.value?.task.id === task.id && following) return;
  following?.abort();
  const controller = new AbortController();
  following = controller;
  followed.value = { task, events: [], mode: "connecting" };
  const update = (change: Partial<FollowedTask>) => {
    if (!controller.signal.aborted && followed.value) followed.value = { ...followed.value, ...change };
  };
  let pending: TaskEvent[] = [];
  let flush = 0;
  const onEvent = (event: TaskEvent) => {
    pending.push(event);
    // Output can come in bursts; one render per frame is enough.
    flush ||= requestAnimationFrame(() => {
      flush = 0;
      const arrived = pending;
      pending = [];
      if (followed.value) update({ events: [...followed.value.events, ...arrived] });
    });
    if (event.type.startsWith("task.") || event.type.startsWith("pull_request.")) void reloadTask(task.id);
  };
  followTaskEvents({
    client: api,
    taskId: task.id,
    after: 0,
    onEvent,
    onMode: (mode) => update({ mode }),
    signal: controller.signal,
  })
    .then(async (status) => {
      if (status === null) return;
      cancelAnimationFrame(flush);
      flush = 0;
      if (followed.value && pending.length > 0) update({ events: [...followed.value.events, ...pending] });
      pending = [];
      update({ mode: "ended" });
      await reloadTask(task.id);
      await refreshStory(task.storyId);
    })
    .catch((error) => {
      update({ mode: "ended" });
      reportError("The task's live log stopped", error);
    });
}

async function reloadTask(taskId: string): Promise<void> {
  try {
    putTask(await api.getTask(taskId));
  } catch (error) {
    reportError("The task could not be reloaded", error);
  }
}

/** Generate Code & PR: the pull request link is known as soon as this resolves. */
/** What one run asks beyond the story: the agent ("" for the default) and extra instructions. */
export interface RunChoice {
  agent: string;
  instructions: string;
}

/** How Generate Code & PR ended: the reasons the story is not ready, when that is why it refused. */
export type GenerateResult = { ok: true } | { ok: false; notReady: string[] | null };

function runBody({ agent, instructions }: RunChoice): { agent?: string; instructions?: string } {
  return {
    ...(agent.trim() ? { agent: agent.trim() } : {}),
    ...(instructions.trim() ? { instructions: instructions.trim() } : {}),
  };
}

export async function generateCode(story: Story, choice: RunChoice, force = false): Promise<GenerateResult> {
  try {
    const { task, pullRequest } = await api.generateCode(
      story.id,
      { ...runBody(choice), ...(force ? { force: true } : {}) },
      newIdempotencyKey(),
    );
    putTask(task);
    followTask(task);
    notify("info", `Pull request #${pullRequest.number} is open; the agent is queued.`);
    await refreshStory(story.id);
    return { ok: true };
  } catch (error) {
    // Not ready: the panel lists the reasons and offers to generate anyway.
    if (error instanceof ApiError && error.problem?.type?.endsWith("/not-ready"))
      return { ok: false, notReady: (error.problem.errors ?? []).map((entry) => entry.message ?? "") };
    reportError("Generate Code & PR failed", error);
    return { ok: false, notReady: null };
  }
}

export async function cancelTask(task: Task): Promise<void> {
  try {
    putTask(await api.cancelTask(task.id));
  } catch (error) {
    reportError("The task was not cancelled", error);
  }
}

export async function retryTask(
  task: Task,
  choice: RunChoice = { agent: "", instructions: "" },
): Promise<void> {
  try {
    const retry = await api.retryTask(task.id, runBody(choice));
    putTask(retry);
    followTask(retry);
  } catch (error) {
    reportError("The task was not retried", error);
  }
}
