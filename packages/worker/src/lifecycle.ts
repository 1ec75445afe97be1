/**
 * @module lifecycle: the worker's part in an Auto Scaling termination (a scale-in, an instance
 * refresh). The group's termination lifecycle hook holds the instance in `Terminating:Wait`; the
 * worker, reading the instance's target lifecycle state from the instance metadata service
 * (IMDSv2), sees `Terminated`, stops claiming, lets its running tasks finish within the drain
 * grace or hands them back, and then completes the lifecycle action once, so the instance is
 * terminated only when no agent of it is mid-commit.
 */

import { recordAwsCalls } from "@aipm/store";
import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import type { Worker, WorkerLogger } from "./worker.ts";

/** What the instance metadata service says: the target lifecycle state, and who the instance is. */
export interface InstanceMetadata {
  /** `InService`, `Terminated`, ...; null when the service has no answer (not in a group yet). */
  targetLifecycleState(): Promise<string | null>;
  instanceId(): Promise<string>;
}

/**
 * An IMDSv2 client: a session token (PUT, 6 hours) then GETs with it; the token is fetched again
 * when refused.
 *
 * @example await instanceMetadata("http://169.254.169.254").targetLifecycleState() // "InService"
 */
export function instanceMetadata(endpoint: string): InstanceMetadata {
  const base = endpoint.replace(/\/+$/, "");
  let token: string | null = null;
  const newToken = async () => {
    const response = await fetch(`${base}/latest/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) throw new Error(`IMDS token: HTTP ${response.status}`);
    return response.text();
  };
  const get = async (path: string, retried = false): Promise<string | null> => {
    token ??= await newToken();
    const response = await fetch(`${base}/latest/meta-data/${path}`, {
      headers: { "x-aws-ec2-metadata-token": token },
      signal: AbortSignal.timeout(2_000),
    });
    if (response.status === 401 && !retried) {
      token = null;
      return get(path, true);
    }
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`IMDS ${path}: HTTP ${response.status}`);
    return (await response.text()).trim();
  };
  return {
    targetLifecycleState: () => get("autoscaling/target-lifecycle-state"),
    async instanceId() {
      const id = await get("instance-id");
      if (!id) throw new Error("IMDS has no instance-id.");
      return id;
    },
  };
}

/** Completes the lifecycle action of `instanceId` with CONTINUE: the instance may go. */
export type CompleteLifecycle = (instanceId: string) => Promise<void>;

/**
 * CompleteLifecycleAction through the Auto Scaling API, on the worker's instance role.
 *
 * @example const complete = lifecycleCompleter({ region: "us-east-1", groupName: "aipm-prod-workers", hookName: "aipm-prod-drain" });
 */
export function lifecycleCompleter(options: {
  region: string;
  groupName: string;
  hookName: string;
  /** Another endpoint than the region's (tests). */
  endpoint?: string;
}): CompleteLifecycle {
  const client = recordAwsCalls(
    new AutoScalingClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    }),
    "autoscaling",
    "worker",
  );
  return async (instanceId) => {
    await client.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: options.groupName,
        LifecycleHookName: options.hookName,
        InstanceId: instanceId,
        LifecycleActionResult: "CONTINUE",
      }),
    );
  };
}

export interface LifecycleWatchOptions {
  worker: Pick<Worker, "stop">;
  metadata: InstanceMetadata;
  complete: CompleteLifecycle;
  /** How often the target lifecycle state is read. */
  pollMs: number;
  /** How long running tasks may finish once the instance is terminating, before they are handed back. */
  drainGraceMs: number;
  log: WorkerLogger;
}

export interface LifecycleWatch {
  /** Reads the state once now; true (and draining) when the instance is being terminated. */
  check(): Promise<boolean>;
  /** Starts reading the state every `pollMs`. */
  start(): void;
  /** Settles when a drain has ended and the lifecycle action was completed (or failed to be). */
  drained(): Promise<void> | null;
  stop(): void;
}

/**
 * Watches the instance's target lifecycle state; on `Terminated`, drains the worker once and then
 * completes the lifecycle action once. Unreadable states are logged and read again at the next poll.
 *
 * @example const watch = watchLifecycle({ worker, metadata, complete, pollMs: 5_000, drainGraceMs, log }); watch.start();
 */
export function watchLifecycle(options: LifecycleWatchOptions): LifecycleWatch {
  const { log } = options;
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | null = null;
  let lastError = "";

  const drain = async (): Promise<void> => {
    log.info("instance terminating: draining, no more claims", { graceMs: options.drainGraceMs });
    await options.worker.stop(options.drainGraceMs);
    try {
      const instanceId = await options.metadata.instanceId();
      await options.complete(instanceId);
      log.info("drained: lifecycle action completed", { instanceId });
    } catch (error) {
      // The hook's heartbeat timeout ends the wait anyway (default result CONTINUE).
      log.error("drained, but completing the lifecycle action failed", { error: String(error) });
    }
  };

  const check = async (): Promise<boolean> => {
    if (draining) return true;
    let state: string | null;
    try {
      state = await options.metadata.targetLifecycleState();
      lastError = "";
    } catch (error) {
      if (String(error) !== lastError)
        log.error("reading the lifecycle state failed", { error: String(error) });
      lastError = String(error);
      return false;
    }
    if (state !== "Terminated" || draining) return draining !== null;
    if (timer) clearInterval(timer);
    draining = drain();
    return true;
  };

  return {
    check,
    start() {
      if (timer || draining) return;
      timer = setInterval(() => void check(), options.pollMs);
      timer.unref();
    },
    drained: () => draining,
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
