/**
 * @module components/TaskPanel: Generate Code & PR for the story, and its task: the pull request
 * and its state, status, attempt, the live log, cancel and retry.
 */
import { canRetryTask, isTerminalTaskStatus } from "@aipm/shared/task-state";
import { describeUsage, summarizeUsage } from "@aipm/shared/usage";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Story, Task, TaskEvent } from "../domain.ts";
import { describeEvent, timeAgo } from "../logic/format.ts";
import { pullRequestState } from "../logic/pull-request.ts";
import { formatRoute } from "../logic/route.ts";
import { agentList, loadAgents } from "../state/agents.ts";
import {
  cancelTask,
  type FollowedTask,
  followed,
  followTask,
  generateCode,
  latestTaskByStory,
  projectTasks,
  type RunChoice,
  retryTask,
  stopFollowing,
} from "../state/tasks.ts";
import { AgentPicker, chosenAgent } from "./AgentPicker.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

const modeText: Record<FollowedTask["mode"], string> = {
  connecting: "connecting…",
  live: "live",
  polling: "polling",
  ended: "complete",
};

export function TaskPanel({ story }: { story: Story }) {
  const latest = latestTaskByStory.value.get(story.id);
  const [agent, setAgent] = useState("");
  const [command, setCommand] = useState("");
  const [instructions, setInstructions] = useState("");
  const [notReady, setNotReady] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const offer = agentList.value;

  useEffect(() => {
    if (latest) followTask(latest);
    else stopFollowing();
  }, [story.id, latest?.id]);

  const shown = followed.value?.task.storyId === story.id ? followed.value : null;
  const active = latest && !isTerminalTaskStatus(latest.status);
  const history = projectTasks.value.filter((task) => task.storyId === story.id);

  const choice = { agent: chosenAgent(agent, command), instructions };
  const generate = async (force: boolean) => {
    setBusy(true);
    const result = await generateCode(story, choice, force);
    setNotReady(result.ok ? null : result.notReady);
    if (result.ok) setInstructions("");
    setBusy(false);
  };

  useEffect(() => setNotReady(null), [story.id]);

  return (
    <section class="panel task-panel" aria-labelledby="code-heading">
      <h3 id="code-heading">Code &amp; pull request</h3>
      <form
        class="inline generate"
        onSubmit={(event) => {
          event.preventDefault();
          void generate(false);
        }}
      >
        <button
          type="submit"
          class="primary"
          disabled={busy || Boolean(active)}
          aria-describedby="generate-help"
        >
          {busy ? "Opening the pull request…" : "Generate Code & PR"}
        </button>
        <details onToggle={(event) => event.currentTarget.open && void loadAgents(true)}>
          <summary>Options</summary>
          <AgentPicker
            agent={agent}
            command={command}
            defaultLabel={`The default (${offer?.defaultAgent ?? "…"})`}
            onAgent={setAgent}
            onCommand={setCommand}
          />
          <p class="hint">
            An agent is offered when a live worker has its CLI installed and its provider's key set.
          </p>
          <label>
            Instructions for this run
            <textarea
              rows={3}
              maxLength={4000}
              value={instructions}
              placeholder="Use the existing Money type for amounts."
              onInput={(event) => setInstructions(event.currentTarget.value)}
            />
          </label>
          <p class="hint">Written into TASK.md for this run; Retry uses them too.</p>
        </details>
        <p class="hint" id="generate-help">
          {active
            ? "A task is already running for this story; cancel it or wait for it to finish."
            : "Opens a pull request with TASK.md at once; a worker's agent then implements it."}
        </p>
      </form>
      {notReady && (
        <div class="not-ready" role="alert">
          <p>This story is not ready for an agent:</p>
          <ul>
            {notReady.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          <button type="button" disabled={busy} onClick={() => void generate(true)}>
            Generate anyway
          </button>
        </div>
      )}
      {shown && <TaskView task={shown.task} events={shown.events} mode={shown.mode} choice={choice} />}
      <StoryUsage tasks={history} />
      {history.length > 1 && (
        <details class="history">
          <summary>Earlier tasks ({history.length - 1})</summary>
          <ul class="plain">
            {history.slice(1).map((task) => (
              <li key={task.id}>
                <StatusBadge status={task.status} /> {timeAgo(task.createdAt)} ·{" "}
                <button type="button" class="link" onClick={() => followTask(task)}>
                  Show log of {task.id}
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** What the story's agents consumed over all its tasks, when more than one reported usage. */
function StoryUsage({ tasks }: { tasks: Task[] }) {
  const summary = summarizeUsage(tasks, null);
  if (!summary.total || summary.tasks < 2) return null;
  return (
    <p class="hint" data-testid="story-usage">
      This story's agents so far, over {summary.tasks} tasks: {describeUsage(summary.total)}
    </p>
  );
}

function TaskView({
  task,
  events,
  mode,
  choice,
}: {
  task: Task;
  events: TaskEvent[];
  mode: FollowedTask["mode"];
  /** The Options' agent and instructions, which Retry takes too. */
  choice: RunChoice;
}) {
  const log = useRef<HTMLPreElement>(null);
  const [busy, setBusy] = useState(false);
  const prState = pullRequestState(events);

  useEffect(() => {
    const element = log.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [events.length]);

  const act = async (action: (task: Task) => Promise<void>) => {
    setBusy(true);
    await action(task);
    setBusy(false);
  };

  return (
    <div class="task" data-task-id={task.id} data-task-status={task.status}>
      <p class="pr">
        <a
          href={formatRoute({ page: "pull", projectId: task.projectId, number: task.pullRequest.number })}
          data-testid="pr-link"
        >
          Pull request #{task.pullRequest.number}
        </a>{" "}
        <StatusBadge status={`pr-${prState}`} label={prState} /> on <code>{task.branch}</code>
      </p>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span data-testid="task-status">
            <StatusBadge status={task.status} />
          </span>
          {task.cancelRequested && task.status === "running" && " (cancelling…)"}
        </dd>
        <dt>Round</dt>
        <dd data-testid="task-round">{task.round}</dd>
        <dt>Attempt</dt>
        <dd>
          {task.attempt} of {task.maxAttempts}
        </dd>
        {task.instructions && (
          <>
            <dt>Instructions</dt>
            <dd class="pre-line" data-testid="task-instructions">
              {task.instructions}
            </dd>
          </>
        )}
        <dt>Agent</dt>
        <dd>
          <code>{task.agent}</code>
        </dd>
        <dt>Started</dt>
        <dd>{task.startedAt ? timeAgo(task.startedAt) : "not yet"}</dd>
        {task.finishedAt && (
          <>
            <dt>Finished</dt>
            <dd>{timeAgo(task.finishedAt)}</dd>
          </>
        )}
        {task.usage && (
          <>
            <dt>Usage</dt>
            <dd data-testid="task-usage">{describeUsage(task.usage)}</dd>
          </>
        )}
        {task.commit && (
          <>
            <dt>Commit</dt>
            <dd>
              <code>{task.commit.slice(0, 12)}</code>
            </dd>
          </>
        )}
      </dl>
      {task.error && (
        <p class="error">
          {task.error.code}: {task.error.message}
        </p>
      )}
      <div class="actions">
        {!isTerminalTaskStatus(task.status) && (
          <button type="button" disabled={busy || task.cancelRequested} onClick={() => act(cancelTask)}>
            Cancel task
          </button>
        )}
        {canRetryTask(task.status) && (
          <button type="button" disabled={busy} onClick={() => act((failed) => retryTask(failed, choice))}>
            Retry task
          </button>
        )}
      </div>
      <h4 id="log-heading">
        Event log <span class="hint">({modeText[mode]})</span>
      </h4>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must take focus to be scrolled from the keyboard */}
      <pre ref={log} class="log" role="log" aria-labelledby="log-heading" tabIndex={0} data-testid="task-log">
        {events.map((event) => (
          <span key={event.seq} class={`event ${event.type.replace(".", "-")}`}>
            {event.type === "agent.output" ? (
              describeEvent(event)
            ) : (
              <>
                <time dateTime={event.at}>{new Date(event.at).toLocaleTimeString()}</time>{" "}
                {describeEvent(event)}
                {"\n"}
              </>
            )}
          </span>
        ))}
      </pre>
    </div>
  );
}
