/**
 * @module components/Operations: the API's health, the queue, the workers and their heartbeats,
 * the agents they can run, and recent tasks by outcome; refreshed every few seconds while shown.
 */
import { useEffect, useState } from "preact/hooks";
import { type AgentList, type Health, type Queue, type Task, taskStatuses } from "../domain.ts";
import { formatDuration, timeAgo } from "../logic/format.ts";
import { errorMessage } from "../state/notices.ts";
import { api } from "../state/session.ts";
import { StatusBadge } from "./StatusBadge.tsx";

const REFRESH_MS = 5000;
/** A worker whose last heartbeat is older than this is shown as silent. */
const SILENT_AFTER_S = 60;

interface Snapshot {
  health: Health | null;
  queue: Queue | null;
  tasks: Task[] | null;
  agents: AgentList | null;
  errors: string[];
  at: number;
}

async function readSnapshot(): Promise<Snapshot> {
  const [health, queue, tasks, agents] = await Promise.allSettled([
    api.health(),
    api.queue(),
    api.listTasks({ limit: 100 }),
    api.agents(),
  ]);
  const value = <T,>(result: PromiseSettledResult<T>) =>
    result.status === "fulfilled" ? result.value : null;
  const errors = [health, queue, tasks, agents].flatMap((result, index) =>
    result.status === "rejected"
      ? [`${["Health", "Queue", "Tasks", "Agents"][index]}: ${errorMessage(result.reason)}`]
      : [],
  );
  return {
    health: value(health),
    queue: value(queue),
    tasks: value(tasks),
    agents: value(agents),
    errors,
    at: Date.now(),
  };
}

export function Operations() {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const tick = async () => {
      const next = await readSnapshot();
      if (stopped) return;
      setSnapshot(next);
      timer = window.setTimeout(tick, REFRESH_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  if (!snapshot) return <p class="loading">Loading operations…</p>;
  const { health, queue, tasks } = snapshot;
  const byOutcome = taskStatuses.map((status) => ({
    status,
    tasks: (tasks ?? []).filter((task) => task.status === status),
  }));

  return (
    <div class="operations">
      <h1>Operations</h1>
      <p class="hint" aria-live="polite">
        Updated {new Date(snapshot.at).toLocaleTimeString()}, every {REFRESH_MS / 1000} s.
      </p>
      {snapshot.errors.map((error) => (
        <p key={error} class="error" role="alert">
          {error}
        </p>
      ))}
      <div class="cards">
        <section class="panel" aria-labelledby="health-heading">
          <h2 id="health-heading">API health</h2>
          {health && (
            <>
              <p>
                <StatusBadge status={health.status === "ok" ? "succeeded" : "failed"} label={health.status} />{" "}
                version <code>{health.version}</code>, commit <code>{health.commit.slice(0, 12)}</code>
              </p>
              <ul class="plain">
                {Object.entries(health.checks).map(([name, check]) => (
                  <li key={name}>
                    {name}:{" "}
                    <StatusBadge
                      status={check.status === "ok" ? "succeeded" : "failed"}
                      label={check.status}
                    />{" "}
                    {check.ms} ms{check.error ? ` — ${check.error}` : ""}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section class="panel" aria-labelledby="queue-heading">
          <h2 id="queue-heading">Queue</h2>
          {queue && (
            <dl class="facts">
              <dt>Queued</dt>
              <dd data-testid="queue-depth">{queue.queued}</dd>
              <dt>Running</dt>
              <dd>{queue.running}</dd>
              <dt>Oldest queued</dt>
              <dd>
                {queue.oldestQueuedAgeSeconds === null
                  ? "none waiting"
                  : formatDuration(queue.oldestQueuedAgeSeconds)}
              </dd>
              <dt>Expired leases</dt>
              <dd>{queue.expiredLeases}</dd>
            </dl>
          )}
        </section>
      </div>
      <section class="panel" aria-labelledby="workers-heading">
        <h2 id="workers-heading">Workers ({queue?.workers.length ?? 0})</h2>
        {queue && queue.workers.length === 0 && <p>No worker has sent a heartbeat recently.</p>}
        {queue && queue.workers.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Version</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Running</th>
                <th scope="col">Up since</th>
              </tr>
            </thead>
            <tbody>
              {queue.workers.map((worker) => {
                const silent = (snapshot.at - Date.parse(worker.lastHeartbeatAt)) / 1000 > SILENT_AFTER_S;
                return (
                  <tr key={worker.id}>
                    <td>{worker.id}</td>
                    <td>
                      <code>{worker.version}</code>
                    </td>
                    <td>
                      {timeAgo(worker.lastHeartbeatAt, snapshot.at)}
                      {silent && <StatusBadge status="failed" label="silent" />}
                    </td>
                    <td>{worker.runningTasks.length === 0 ? "idle" : worker.runningTasks.join(", ")}</td>
                    <td>{new Date(worker.startedAt).toLocaleString()}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {snapshot.agents && (
        <section class="panel" aria-labelledby="agents-heading">
          <h2 id="agents-heading">Agents</h2>
          <table data-testid="agents">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Ready on</th>
                <th scope="col">Variables</th>
                <th scope="col">What is missing</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.agents.agents.map((agent) => (
                <tr key={agent.name}>
                  <td>
                    {agent.title} <code>{agent.name}</code>
                    {agent.name === snapshot.agents?.defaultAgent && <span class="hint"> (default)</span>}
                  </td>
                  <td>
                    {agent.workers} worker{agent.workers === 1 ? "" : "s"}
                  </td>
                  <td>
                    {agent.providerEnv.map((name) => (
                      <code key={name}>{name} </code>
                    ))}
                  </td>
                  <td>{agent.missing ?? "nothing"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section class="panel" aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent tasks by outcome</h2>
        <div class="outcomes">
          {byOutcome.map(({ status, tasks: group }) => (
            <div key={status} class="outcome">
              <h3>
                <StatusBadge status={status} /> <span class="count">{group.length}</span>
              </h3>
              <ul class="plain">
                {group.slice(0, 5).map((task) => (
                  <li key={task.id}>
                    <a href={task.pullRequest.url} target="_blank" rel="noreferrer">
                      PR #{task.pullRequest.number}
                    </a>{" "}
                    <span class="hint">
                      {task.agent} · {timeAgo(task.finishedAt ?? task.createdAt, snapshot.at)}
                    </span>
                    {task.error && <span class="hint"> · {task.error.code}</span>}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      </section>
    </div>
  );
}
