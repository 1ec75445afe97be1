/**
 * @module run/loop: the claim loop. Claims a task whenever fewer than `concurrency` run, polls
 * every `pollMs` or when woken, and on stop claims no more: running tasks get a grace period,
 * then are aborted with "shutdown".
 */
import type { CodeGenerationTask } from "@aipm/shared";
import type { WorkerLogger } from "../worker.ts";

export interface ClaimLoop {
  start(): void;
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /**
   * Stops claiming; waits up to `graceMs` for running tasks, then aborts the rest and waits for them.
   * Called again while stopping, it resolves with the first call, ending the grace sooner if asked.
   */
  stop(graceMs: number): Promise<void>;
  stopping(): boolean;
  running(): string[];
  /** When the loop last went round, ISO 8601; null before it first did. */
  lastLoopAt(): string | null;
}

export interface ClaimLoopOptions {
  concurrency: number;
  pollMs: number;
  /** Claims the oldest queued task, or resolves to null when there is none. */
  claim: () => Promise<CodeGenerationTask | null>;
  /** Runs a claimed task to its end; never rejects. */
  run: (task: CodeGenerationTask, abort: AbortController) => Promise<void>;
  /** Hands back a task claimed while stopping. */
  release: (task: CodeGenerationTask) => Promise<void>;
  /** Told after every claim, and whenever the number of running tasks changes. */
  onClaimed?: (task: CodeGenerationTask) => void;
  onRunningChanged?: (count: number) => void;
  log: WorkerLogger;
}

/** @example const loop = claimLoop({ concurrency: 2, pollMs: 1_000, claim, run, release, log }); loop.start(); */
export function claimLoop(options: ClaimLoopOptions): ClaimLoop {
  const active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let stopping = false;
  let lastLoopAt: string | null = null;
  let stopped: Promise<void> | null = null;
  let endGrace: () => void = () => {};
  const waker = createWaker();

  const begin = (task: CodeGenerationTask) => {
    const abort = new AbortController();
    const done = options.run(task, abort).finally(() => {
      active.delete(task.id);
      options.onRunningChanged?.(active.size);
      waker.wake();
    });
    active.set(task.id, { abort, done });
    options.onRunningChanged?.(active.size);
    options.log.info("task claimed", { taskId: task.id, attempt: task.attempt });
  };

  const claim = async (): Promise<CodeGenerationTask | null> => {
    try {
      return await options.claim();
    } catch (error) {
      options.log.error("claim failed", { error: String(error) });
      return null;
    }
  };

  async function loop(): Promise<void> {
    while (!stopping) {
      lastLoopAt = new Date().toISOString();
      if (active.size < options.concurrency) {
        const task = await claim();
        if (task && !stopping) {
          options.onClaimed?.(task);
          begin(task);
          continue;
        }
        if (task && stopping) await options.release(task).catch(() => {});
      }
      await waker.sleep(options.pollMs);
    }
  }

  return {
    start: () => void loop(),
    wake: () => waker.wake(),
    stop(graceMs) {
      // A later stop may only shorten the grace (SIGTERM during a lifecycle drain), never extend it.
      const cutShort = setTimeout(() => endGrace(), graceMs);
      cutShort.unref();
      if (stopped) return stopped;
      stopping = true;
      waker.wake();
      const all = Promise.all([...active.values()].map((entry) => entry.done));
      const grace = new Promise<void>((resolve) => {
        endGrace = resolve;
      });
      stopped = (async () => {
        await Promise.race([all, grace]);
        clearTimeout(cutShort);
        for (const entry of active.values()) entry.abort.abort("shutdown");
        await all;
      })();
      return stopped;
    },
    stopping: () => stopping,
    running: () => [...active.keys()],
    lastLoopAt: () => lastLoopAt,
  };
}

/** A sleep that `wake()` cuts short; waking when nobody sleeps does nothing. */
function createWaker(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wakeUp: (() => void) | null = null;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wakeUp = null;
          resolve();
        }, ms);
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        };
      }),
    wake: () => wakeUp?.(),
  };
}
