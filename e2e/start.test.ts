/**
 * `pnpm start` end to end (issue 5): the whole of AIPM as a child process, driven through HTTP and
 * git alone, killed with SIGKILL and started again on the same data dir.
 */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  apiClient,
  type Client,
  cloneRepository,
  git,
  type Project,
  readEventStream,
  type Task,
  type TaskEvent,
  tempDir,
} from "./aipm-client.ts";
import {
  freePort,
  interrupt,
  killAllSpawned,
  killGroup,
  liveGroupMembers,
  processesMatching,
  type RunningAipm,
  spawnAipm,
  startAipm,
  waitFor,
} from "./aipm-process.ts";

interface AcceptanceTest {
  id: string;
  title: string;
}
interface StoryDetail {
  id: string;
  projectId: string;
  title: string;
  status: string;
  acceptanceTests: AcceptanceTest[];
}

const dirs: string[] = [];
afterEach(() => killAllSpawned());
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function newDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  dirs.push(dir);
  return dir;
}

const unique = () => randomBytes(4).toString("hex");

/** A project on a new local repository, a story and its acceptance tests, all over HTTP. */
async function createStoryWithTests(api: Client, titles: string[]) {
  const project = await api<Project>(
    "POST",
    "/api/projects",
    {
      name: `E2E shop ${unique()}`,
      repository: { provider: "local", owner: "e2e", name: `shop-${unique()}`, defaultBranch: "main" },
    },
    201,
  );
  const story = await api<StoryDetail>(
    "POST",
    `/api/projects/${project.id}/stories`,
    {
      title: "Pay by card",
      asA: "shopper",
      iWant: "to pay by card",
      soThat: "I get my order today",
      storyPoints: 3,
    },
    201,
  );
  const tests: AcceptanceTest[] = [];
  for (const [index, title] of titles.entries()) {
    tests.push(
      await api<AcceptanceTest>(
        "POST",
        `/api/stories/${story.id}/acceptance-tests`,
        {
          title,
          given: [`a cart with ${index + 1} items`],
          when: ["I pay by card"],
          then: ["I see a receipt"],
        },
        201,
      ),
    );
  }
  return { project, story, tests };
}

async function events(api: Client, taskId: string): Promise<TaskEvent[]> {
  return (await api<{ events: TaskEvent[] }>("GET", `/api/tasks/${taskId}/events`)).events;
}

/** The time from spawn to "AIPM is running", and the part of it `aipm start` itself reports. */
function describeStart(started: RunningAipm): string {
  const own = /\(started in ([\d.]+) s\)/.exec(started.output())?.[1];
  return `${started.startMs} ms from spawn to "AIPM is running" (aipm start's own figure: ${own} s)`;
}

function projectsNamed(projects: Project[], name: string): Project[] {
  return projects.filter((project) => project.name === name);
}

describe("pnpm start", () => {
  it("runs a code generation to a skeleton commit, and keeps everything across a SIGKILL and a restart", async () => {
    const dataDir = await newDir("aipm-e2e-data-");
    const work = await newDir("aipm-e2e-work-");
    const env = { PORT: String(await freePort()), AIPM_DATA_DIR: join(dataDir, "aipm") };

    const first: RunningAipm = await startAipm(env);
    console.log(`first start (empty data dir, seeds the demo): ${describeStart(first)}`);
    expect(first.url).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(first.output()).toContain("seeding");
    let api = apiClient(first.url, first.token);

    const { project, story, tests } = await createStoryWithTests(api, [
      "A valid card is charged",
      "A declined card shows the bank's reason",
    ]);
    expect(project.repository.cloneUrl).toBe(
      `${first.url}/git/${project.repository.owner}/${project.repository.name}.git`,
    );

    const generation = await api<{
      task: Task;
      pullRequest: { number: number; url: string; branch: string };
    }>("POST", `/api/stories/${story.id}/code-generations`, {}, 202);
    expect(generation.task.status).toBe("queued");
    expect(generation.pullRequest.branch).toMatch(new RegExp(`^aipm/${story.id}-`));

    const stream = await readEventStream(first.url, first.token, generation.task.id, 120_000);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const end = stream.messages.at(-1);
    expect(end?.event).toBe("end");
    expect(JSON.parse(end?.data ?? "{}")).toEqual({ status: "succeeded" });
    const streamed = stream.messages.filter((message) => message.event !== "end");
    expect(streamed.map((message) => Number(message.id))).toEqual(streamed.map((_, index) => index + 1));
    expect(streamed.map((message) => message.event)).toEqual(
      expect.arrayContaining([
        "pull_request.opened",
        "task.queued",
        "task.claimed",
        "git.pushed",
        "task.succeeded",
      ]),
    );

    const task = await api<Task>("GET", `/api/tasks/${generation.task.id}`);
    expect(task).toMatchObject({ status: "succeeded", attempt: 1, error: null });
    expect(task.commit).toMatch(/^[0-9a-f]{40}$/);

    // The skeleton commit is the head of the PR branch in a fresh clone, and holds one test per acceptance test.
    const clone = await cloneRepository(work, project.repository.cloneUrl, first.token);
    expect(await git(clone, "rev-parse", `origin/${task.branch}`)).toBe(task.commit);
    const skeletonFiles = (await git(clone, "show", "--name-only", "--format=", String(task.commit))).split(
      "\n",
    );
    expect(skeletonFiles).toHaveLength(1);
    const skeleton = await git(clone, "show", `${task.commit}:${skeletonFiles[0]}`);
    for (const test of tests) expect(skeleton).toContain(test.title);
    expect(await git(clone, "show", `${task.commit}:TASK.md`)).toContain(story.id);

    const before = {
      projects: (await api<{ projects: Project[] }>("GET", "/api/projects")).projects,
      stories: (await api<{ stories: StoryDetail[] }>("GET", `/api/projects/${project.id}/stories`)).stories,
      task,
      events: await events(api, task.id),
    };
    expect(projectsNamed(before.projects, "Demo shop")).toHaveLength(1);
    expect(before.stories[0]?.acceptanceTests).toHaveLength(2);

    await killGroup(first);

    const second = await startAipm(env);
    console.log(`second start (same data dir, no seeding): ${describeStart(second)}`);
    expect(second.token).toBe(first.token);
    expect(second.output()).not.toContain("seeding");
    api = apiClient(second.url, second.token);

    const after = {
      projects: (await api<{ projects: Project[] }>("GET", "/api/projects")).projects,
      stories: (await api<{ stories: StoryDetail[] }>("GET", `/api/projects/${project.id}/stories`)).stories,
      task: await api<Task>("GET", `/api/tasks/${task.id}`),
      events: await events(api, task.id),
    };
    expect(after).toEqual(before);
    expect(projectsNamed(after.projects, "Demo shop")).toHaveLength(1);

    const again = await cloneRepository(work, project.repository.cloneUrl, second.token);
    expect(await git(again, "rev-parse", `origin/${task.branch}`)).toBe(task.commit);
    expect(await git(again, "show", `${task.commit}:${skeletonFiles[0]}`)).toBe(skeleton);

    await killGroup(second);
  });

  it("takes back a task that was running when the process was SIGKILLed, and finishes it after the restart", async () => {
    const dataDir = await newDir("aipm-e2e-data-");
    const work = await newDir("aipm-e2e-work-");
    const marker = `aipm-e2e-agent-${unique()}`;
    const env = {
      PORT: String(await freePort()),
      AIPM_DATA_DIR: join(dataDir, "aipm"),
      AIPM_AGENT: `command:sleep 4; echo ${marker} > done.txt`,
      AIPM_LEASE_S: "3",
    };

    const first = await startAipm(env);
    let api = apiClient(first.url, first.token);
    const { project, story } = await createStoryWithTests(api, ["The order is paid"]);
    const { task } = await api<{ task: Task }>("POST", `/api/stories/${story.id}/code-generations`, {}, 202);
    await waitFor("the agent to start", async () =>
      (await events(api, task.id)).some((event) => event.type === "agent.started") ? true : undefined,
    );
    expect((await api<Task>("GET", `/api/tasks/${task.id}`)).status).toBe("running");

    await killGroup(first);
    // The agent runs in a process group of its own, which a SIGKILL of `pnpm start`'s group cannot
    // reach; it is ended here so that it cannot interfere with the second attempt.
    const orphans = await processesMatching(marker);
    if (orphans.length > 0) {
      console.log(
        `agent processes left running after the SIGKILL: ${orphans.map((orphan) => orphan.args).join("; ")}`,
      );
      for (const orphan of orphans) process.kill(orphan.pid, "SIGKILL");
    }

    const second = await startAipm(env);
    api = apiClient(second.url, second.token);
    const finished = await waitFor(
      "the task to finish after the restart",
      async () => {
        const current = await api<Task>("GET", `/api/tasks/${task.id}`);
        return ["queued", "running"].includes(current.status) ? undefined : current;
      },
      90_000,
    );
    expect(finished).toMatchObject({ status: "succeeded", attempt: 2, error: null });

    const recorded = await events(api, task.id);
    const types = recorded.map((event) => event.type);
    expect(types.filter((type) => type === "task.claimed")).toHaveLength(2);
    const expired = recorded.find((event) => event.type === "task.lease_expired");
    expect(expired?.data).toMatchObject({ from: "running", to: "queued", attempt: 2 });
    expect(types.indexOf("task.lease_expired")).toBeLessThan(types.lastIndexOf("task.claimed"));
    expect(types.at(-1)).toBe("task.succeeded");

    const clone = await cloneRepository(work, project.repository.cloneUrl, second.token);
    expect(await git(clone, "rev-parse", `origin/${finished.branch}`)).toBe(finished.commit);
    expect(await git(clone, "show", `${finished.commit}:done.txt`)).toBe(marker);
    // Exactly one commit by the worker on top of the TASK.md commit.
    expect(await git(clone, "rev-list", "--count", `origin/main..origin/${finished.branch}`)).toBe("2");

    await killGroup(second);
  });

  it("stops cleanly on Ctrl-C (SIGINT to its process group), leaving no process behind", async () => {
    const env = {
      PORT: String(await freePort()),
      AIPM_DATA_DIR: join(await newDir("aipm-e2e-data-"), "aipm"),
    };
    const running = await startAipm(env);
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    // Ctrl-C signals every process of the terminal's foreground group: pnpm, tsx and node alike.
    // A clean stop is a success: no "ELIFECYCLE Command failed" from pnpm after "Stopped.".
    expect(await interrupt(running)).toBe(0);
    expect(running.output()).toContain("SIGINT: stopping");
    expect(running.output()).toContain("Stopped.");
    expect(running.output()).not.toContain("ELIFECYCLE");
    await expect(fetch(`${running.url}/health`)).rejects.toThrow();
  });

  it("refuses a port in use, naming PORT, and exits non-zero leaving no process behind", async () => {
    const env = {
      PORT: String(await freePort()),
      AIPM_DATA_DIR: join(await newDir("aipm-e2e-data-"), "aipm"),
    };
    const running = await startAipm(env);

    const second = spawnAipm({ ...env, AIPM_DATA_DIR: join(await newDir("aipm-e2e-data-"), "aipm") });
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toMatch(new RegExp(`Port ${env.PORT} is already in use.*PORT=`));
    expect(await liveGroupMembers(second.pgid)).toEqual([]);

    // The one that was there keeps running.
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    await killGroup(running);
  });

  it("refuses a data dir it cannot write, naming AIPM_DATA_DIR, and exits non-zero leaving no process behind", async () => {
    const blocker = join(await newDir("aipm-e2e-data-"), "a-file");
    await writeFile(blocker, "not a folder\n");
    const started = spawnAipm({ PORT: String(await freePort()), AIPM_DATA_DIR: join(blocker, "aipm") });
    const code = await started.exited;
    expect(code).not.toBe(0);
    expect(started.output()).toContain(`The data dir ${join(blocker, "aipm")} cannot be written`);
    expect(started.output()).toContain("AIPM_DATA_DIR");
    expect(await liveGroupMembers(started.pgid)).toEqual([]);
  });
});
