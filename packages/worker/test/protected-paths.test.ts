/**
 * Protected paths as a worker configured only through its environment applies them: the default
 * list covers CI workflows and the actions they use, in any letter case.
 */
import { describe, expect, it } from "vitest";
import { useStack } from "./stack.ts";

const stack = useStack();

describe("the default protected paths", { timeout: 60_000 }, () => {
  it("keep .GITHUB/workflows/** and .github/actions/** out of the pushed commit", async () => {
    const { task } = await stack.queueTask({
      agent: [
        "command:mkdir -p .GITHUB/workflows .github/actions/a src",
        "echo x > .GITHUB/workflows/x.yml",
        "echo y > .github/actions/a/action.yml",
        "echo z > src/b.txt",
      ].join(" && "),
    });
    stack.startComposedWorker();
    const done = await stack.waitForTask(task.id, (current) => current.status === "succeeded");

    const clone = await stack.clone();
    await clone.git("fetch", "--quiet", "origin", task.branch);
    const tree = (await clone.git("ls-tree", "-r", "--name-only", done.commit ?? "")).split("\n");
    expect(tree).toContain("src/b.txt");
    expect(tree.filter((path) => path.toLowerCase().startsWith(".github/"))).toEqual([]);

    const events = await stack.events(task.id);
    const log = events.find((event) => event.type === "log");
    expect(log?.data).toMatchObject({
      paths: expect.arrayContaining([".GITHUB/workflows/x.yml", ".github/actions/a/action.yml"]),
    });
  });
});
