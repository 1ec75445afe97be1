/**
 * Draining on an Auto Scaling termination: a real worker runs a command agent; then the fake
 * instance metadata service on 127.0.0.1 reports the target lifecycle state `Terminated`. The
 * worker claims nothing more, finishes its task within the drain grace (or hands it back when the
 * grace ends first), and only then completes the lifecycle action, once, through the Auto Scaling
 * API (a fake on 127.0.0.1 too).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceMetadata, lifecycleCompleter, watchLifecycle } from "../src/lifecycle.ts";
import { processesMatching, type Stack, useStack, waitUntil } from "./stack.ts";

const stack = useStack();

/** The names an environment `test` deploys (packages/infra's WorkerFleet). */
const groupName = "aipm-test-workers";
const hookName = "aipm-test-drain";

interface FakeAws {
  url: string;
  server: Server;
  state: string;
  /** Each CompleteLifecycleAction's form fields, with when it came. */
  completions: { fields: Record<string, string>; at: number }[];
  /** IMDS requests that came without the session token. */
  tokenless: number;
}

/** IMDSv2 and the Auto Scaling Query API on one 127.0.0.1 port. */
async function startFakeAws(): Promise<FakeAws> {
  const fake: FakeAws = {
    url: "",
    server: createServer(),
    state: "InService",
    completions: [],
    tokenless: 0,
  };
  fake.server.on("request", (req, res) => {
    const url = req.url ?? "";
    if (req.method === "PUT" && url === "/latest/api/token") {
      res.end("fake-imds-token");
      return;
    }
    if (url.startsWith("/latest/meta-data/")) {
      if (req.headers["x-aws-ec2-metadata-token"] !== "fake-imds-token") {
        fake.tokenless++;
        res.writeHead(401).end();
      } else if (url.endsWith("/autoscaling/target-lifecycle-state")) res.end(fake.state);
      else if (url.endsWith("/instance-id")) res.end("i-0abc123def4567890");
      else res.writeHead(404).end();
      return;
    }
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      if (fields.Action === "CompleteLifecycleAction") fake.completions.push({ fields, at: Date.now() });
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<${fields.Action}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><${fields.Action}Result/><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${fields.Action}Response>`,
      );
    });
  });
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

const credentials = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
const saved = credentials.map((name) => process.env[name]);
let fake: FakeAws;
beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = "AKIAFAKEFAKEFAKEFAKE";
  process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-the-fake-autoscaling-endpoint";
  fake = await startFakeAws();
});
afterAll(() => {
  credentials.forEach((name, index) => {
    if (saved[index] === undefined) delete process.env[name];
    else process.env[name] = saved[index];
  });
  fake.server.close();
});

/** A worker with its lifecycle watch on the fakes, the instance in service. */
function drainingWorker(current: Stack, id: string, drainGraceMs: number) {
  fake.state = "InService";
  fake.completions = [];
  const worker = current.startWorker({ id });
  const watch = watchLifecycle({
    worker,
    metadata: instanceMetadata(fake.url),
    complete: lifecycleCompleter({ region: "us-east-1", groupName, hookName, endpoint: fake.url }),
    pollMs: 100,
    drainGraceMs,
    log: { info: () => {}, error: () => {} },
  });
  watch.start();
  return { worker, watch };
}

describe("the lifecycle drain", { timeout: 60_000 }, () => {
  it("stops claiming, lets the running agent finish and commit, then completes the hook once", async () => {
    const { task } = await stack.queueTask({ agent: "command:sleep 2.71 && echo drained > drained.txt" });
    const { worker, watch } = drainingWorker(stack, "drain-finish", 20_000);
    await stack.waitForTask(task.id, (current) => current.status === "running");
    await waitUntil("the agent to start", async () => (await processesMatching("sleep 2.71")).length > 0);

    fake.state = "Terminated";
    await waitUntil("the worker to stop claiming", () => worker.health().status === "stopping");
    const { task: later } = await stack.queueTask();

    await waitUntil("the drain to end", () => fake.completions.length > 0, 20_000);
    await watch.drained();
    const finished = await stack.waitForTask(task.id, (current) => current.status !== "running");
    expect(finished).toMatchObject({ status: "succeeded", leaseOwner: null });
    expect(fake.completions).toHaveLength(1);
    expect(fake.completions[0]?.fields).toMatchObject({
      Action: "CompleteLifecycleAction",
      AutoScalingGroupName: groupName,
      LifecycleHookName: hookName,
      InstanceId: "i-0abc123def4567890",
      LifecycleActionResult: "CONTINUE",
    });
    expect(fake.completions[0]?.at).toBeGreaterThanOrEqual(Date.parse(finished.updatedAt));
    expect(fake.tokenless).toBe(0);

    // The task queued during the drain is nobody's: this worker claimed no more.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await stack.request("GET", `/api/tasks/${later.id}`)).body).toMatchObject({
      status: "queued",
      attempt: 1,
    });
    expect(worker.running()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.completions).toHaveLength(1);
  });

  it("hands the task back when the drain grace ends first, then completes the hook once", async () => {
    const { task } = await stack.queueTask({ agent: "command:sleep 33.1" });
    const { watch } = drainingWorker(stack, "drain-handback", 400);
    await stack.waitForTask(task.id, (current) => current.status === "running");
    await waitUntil("the agent to start", async () => (await processesMatching("sleep 33.1")).length > 0);

    fake.state = "Terminated";
    const handedBack = await stack.waitForTask(task.id, (current) => current.status !== "running");
    expect(handedBack).toMatchObject({ status: "queued", attempt: 1, leaseOwner: null });
    expect(await processesMatching("sleep 33.1")).toEqual([]);
    await waitUntil("the hook to be completed", () => fake.completions.length > 0);
    await watch.drained();
    expect(fake.completions).toHaveLength(1);
    expect((await stack.events(task.id)).at(-1)).toMatchObject({ type: "task.released" });
  });
});
