/**
 * @module portability: deployments to export from and import into, for the tests of export,
 * import, backup and restore: API calls as the admin, and a project seeded the way users and
 * workers make one.
 */
import type { ApiOnly } from "./stacks.ts";

/** A JSON request to a deployment as its admin; throws on an unexpected status. */
export async function call<T>(on: ApiOnly, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${on.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${on.token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A project on a local repository with a tree, tests, a dependency and a finished task whose results were recorded. */
export async function seedProject(on: ApiOnly, name: string): Promise<string> {
  const project = await call<{ id: string }>(on, "POST", "/api/projects", {
    name,
    repository: { provider: "local", owner: "acme", name: name.toLowerCase().replace(/\W+/g, "-") },
  });
  const story = (title: string, parentId: string | null = null) =>
    call<{ id: string }>(on, "POST", `/api/projects/${project.id}/stories`, {
      title,
      parentId,
      asA: "shopper",
      iWant: `to ${title.toLowerCase()}`,
      soThat: "I get my order",
    });
  const checkout = await story("Checkout");
  const card = await story("Pay by card", checkout.id);
  const wallets = await story("Wallets", checkout.id);
  const test = await call<{ id: string }>(on, "POST", `/api/stories/${card.id}/acceptance-tests`, {
    title: "A valid card is charged",
    given: ["a cart"],
    when: ["I pay"],
    then: ["I see a receipt"],
  });
  await call(on, "POST", `/api/stories/${wallets.id}/dependencies`, { dependsOnId: card.id });
  const { task } = await call<{ task: { id: string } }>(
    on,
    "POST",
    `/api/stories/${card.id}/code-generations`,
    {},
  );
  await on.deps.tasks.transition(task.id, "claim", { data: { workerId: "test-worker" } });
  await on.deps.tasks.transition(task.id, "succeed", { commit: "c".repeat(40) });
  await on.deps.stories.recordTestResults(project.id, card.id, [{ testId: test.id, result: "Pass" }], {
    taskId: task.id,
    commit: "c".repeat(40),
    at: "2026-12-04T10:00:00.000Z",
  });
  return project.id;
}
