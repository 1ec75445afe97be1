/**
 * @module components/LocalPullRequest: the page a local-forge pull request link
 * (`/forge/<owner>/<name>/pull/<n>`) opens: how to fetch the branch, and the tasks that work on it.
 */
import { useEffect, useState } from "preact/hooks";
import type { Task } from "../domain.ts";
import { timeAgo } from "../logic/format.ts";
import { shellCommand } from "../shell-quote.ts";
import { reportError } from "../state/notices.ts";
import { projects } from "../state/projects.ts";
import { api } from "../state/session.ts";
import { StatusBadge } from "./StatusBadge.tsx";

export function LocalPullRequest({ owner, name, number }: { owner: string; name: string; number: number }) {
  const project = projects.value?.find(
    (candidate) => candidate.repository.owner === owner && candidate.repository.name === name,
  );
  const [tasks, setTasks] = useState<Task[] | null>(null);

  useEffect(() => {
    if (!project) return;
    api
      .listTasks({ projectId: project.id, limit: 500 })
      .then((all) => setTasks(all.filter((task) => task.pullRequest.number === number)))
      .catch((error) => reportError("The pull request's tasks could not be loaded", error));
  }, [project?.id, number]);

  if (!projects.value) return <p class="loading">Loading…</p>;
  if (!project) {
    return (
      <section class="empty">
        <h1>
          Pull request #{number} of {owner}/{name}
        </h1>
        <p>No project you can reach uses this repository.</p>
      </section>
    );
  }
  const branch = tasks?.[0]?.branch;
  const { cloneUrl, defaultBranch } = project.repository;
  // Every word is quoted for the shell: the page shows these commands for people to paste.
  const commands = [
    shellCommand("git", "clone", cloneUrl),
    `${shellCommand("git", "-C", name, "fetch", "origin", branch ?? "BRANCH")} && ${shellCommand(
      "git",
      "-C",
      name,
      "diff",
      `${defaultBranch}...FETCH_HEAD`,
    )}`,
  ].join("\n");
  return (
    <section class="local-pr">
      <h1>
        Pull request #{number} · {owner}/{name}
      </h1>
      <p>
        A pull request on AIPM's local git forge, from <code>{branch ?? "…"}</code> into{" "}
        <code>{defaultBranch}</code>. Review it with git; when it asks for a password, give your AIPM token:
      </p>
      <pre class="log">{commands}</pre>
      <h2>Tasks on this pull request</h2>
      <ul class="plain">
        {(tasks ?? []).map((task) => (
          <li key={task.id}>
            <StatusBadge status={task.status} /> {task.agent} · {timeAgo(task.createdAt)} ·{" "}
            <a href={`/#/projects/${project.id}/outline/stories/${task.storyId}`}>open the story</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
