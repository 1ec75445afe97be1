/**
 * What an agent cannot do: see the worker's credentials, or get a change to a protected path
 * (CI workflows) pushed.
 */
import type { CodeGenerationTask, TaskEvent } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, useStack } from "./stack.ts";

const stack = useStack();

describe("protected paths", { timeout: 60_000 }, () => {
  it("commits the agent's other changes but never .github/workflows/**, and says so in a log event", async () => {
    const { task } = await stack.queueTask({
      agent:
        "command:mkdir -p .github/workflows src && echo x > .github/workflows/ci.yml && echo y > src/a.txt",
    });
    stack.startWorker();
    const done = await stack.waitForTask(task.id, (current) => current.status === "succeeded");

    const clone = await stack.clone();
    await clone.git("fetch", "--quiet", "origin", task.branch);
    const tree = (await clone.git("ls-tree", "-r", "--name-only", done.commit ?? "")).split("\n");
    expect(tree).toContain("src/a.txt");
    expect(tree).toContain("TASK.md");
    expect(tree.filter((path) => path.startsWith(".github/"))).toEqual([]);

    const events = await stack.events(task.id);
    const log = events.find((event) => event.type === "log");
    expect(log?.data).toMatchObject({ paths: [".github/workflows/ci.yml"] });
    expect(events.find((event) => event.type === "git.committed")?.data).toMatchObject({
      files: ["src/a.txt"],
    });
  });
});

describe("the agent's environment", { timeout: 60_000 }, () => {
  it("holds no git, cloud or API credentials of the worker, and no event shows the admin token", async () => {
    const { task } = await stack.queueTask({ agent: "command:env > agent-env.txt && env" });
    stack.startWorker({
      parentEnv: {
        ...process.env,
        GITHUB_TOKEN: "ghp_secret",
        GH_TOKEN: "gh_secret",
        AWS_SECRET_ACCESS_KEY: "aws_secret",
        AWS_ACCESS_KEY_ID: "aws_key_id",
        AIPM_API_TOKEN: ADMIN_TOKEN,
        AIPM_LOCAL_GIT_TOKEN: ADMIN_TOKEN,
      },
    });
    const done = await stack.waitForTask(task.id, (current) => current.status === "succeeded");

    const clone = await stack.clone();
    await clone.git("fetch", "--quiet", "origin", task.branch);
    const seen = await clone.git("show", `${done.commit}:agent-env.txt`);
    expect(seen).toContain(`AIPM_TASK_ID=${task.id}`);
    expect(seen).toContain(`AIPM_STORY_ID=${task.storyId}`);
    expect(seen).toMatch(/^AIPM_TASK_FILE=.*\/TASK\.md$/m);
    for (const secret of ["ghp_secret", "gh_secret", "aws_secret", "aws_key_id", ADMIN_TOKEN]) {
      expect(seen).not.toContain(secret);
    }
    expect(seen).not.toMatch(/^(GITHUB_|GH_|AWS_|AIPM_API_TOKEN|AIPM_LOCAL_GIT_TOKEN)/m);
    expect(seen).not.toMatch(/authorization/i);

    // The agent printed its environment too: its output events must not leak anything either.
    const events: TaskEvent[] = [];
    const { body } = await stack.request<{ tasks: CodeGenerationTask[] }>(
      "GET",
      `/api/tasks?projectId=${stack.project.id}&limit=500`,
    );
    for (const listed of body.tasks) events.push(...(await stack.events(listed.id)));
    expect(events.some((event) => event.type === "agent.output")).toBe(true);
    const everything = JSON.stringify(events);
    for (const secret of ["ghp_secret", "aws_secret", ADMIN_TOKEN]) expect(everything).not.toContain(secret);
  });
});
