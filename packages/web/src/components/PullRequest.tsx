/**
 * @module components/PullRequest: a story's pull request inside AIPM (`#/projects/:id/pulls/:n`),
 * for both forges: its state, story, rounds, checks, acceptance tests and files with their diffs;
 * Merge, Close and Request changes; and how to check the branch out locally.
 */
import { useEffect, useState } from "preact/hooks";
import type { PullRequestFile, PullRequestView } from "../domain.ts";
import { diffLines } from "../logic/diff.ts";
import { timeAgo } from "../logic/format.ts";
import { shellCommand } from "../shell-quote.ts";
import { loadAgents } from "../state/agents.ts";
import { errorMessage, notify, reportError } from "../state/notices.ts";
import { projects } from "../state/projects.ts";
import { api } from "../state/session.ts";
import { AgentPicker, chosenAgent } from "./AgentPicker.tsx";
import { StatusBadge } from "./StatusBadge.tsx";
import { TestRun } from "./TestRun.tsx";

export function PullRequest({ projectId, number }: { projectId: string; number: number }) {
  const [view, setView] = useState<PullRequestView | null>(null);
  const [files, setFiles] = useState<{ files: PullRequestFile[]; truncated: boolean } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const [next, changed] = await Promise.all([
        api.pullRequest(projectId, number),
        api.pullRequestFiles(projectId, number),
      ]);
      setView(next);
      setFiles(changed);
      setFailure(null);
    } catch (error) {
      setFailure(errorMessage(error));
    }
  };
  useEffect(() => {
    setView(null);
    setFiles(null);
    void load();
  }, [projectId, number]);

  if (failure && !view) {
    return (
      <section class="empty">
        <h1>Pull request #{number}</h1>
        <p role="alert">{failure}</p>
      </section>
    );
  }
  if (!view) return <p class="loading">Loading pull request #{number}…</p>;

  const { pullRequest, story } = view;
  const act = async (what: string, action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
      await load();
    } catch (error) {
      reportError(what, error);
    } finally {
      setBusy(false);
    }
  };
  const merge = () =>
    act("The pull request could not be merged", async () => {
      const ended = await api.mergePullRequest(projectId, number, pullRequest.headSha);
      notify(
        "info",
        ended.story.status === "Done"
          ? `Merged. “${ended.story.title}” is Done.`
          : `Merged. “${ended.story.title}” is in ${ended.story.status}: ${ended.story.statusReason ?? ""}`,
      );
    });
  const close = () =>
    act("The pull request could not be closed", async () => {
      await api.closePullRequest(projectId, number);
      notify("info", `Pull request #${number} is closed.`);
    });

  return (
    <section class="pull-request" aria-labelledby="pull-heading">
      <header class="pull-header">
        <h1 id="pull-heading">
          Pull request #{pullRequest.number} · {pullRequest.title}
        </h1>
        <p>
          <span data-testid="pull-state">
            <StatusBadge status={`pr-${pullRequest.state}`} label={pullRequest.state} />
          </span>{" "}
          <code>{pullRequest.branch}</code> into <code>{pullRequest.baseBranch}</code> ·{" "}
          <a href={`#/projects/${projectId}/outline/stories/${story.id}`}>open the story</a>
          {pullRequest.provider === "github" && (
            <>
              {" "}
              ·{" "}
              <a href={pullRequest.url} target="_blank" rel="noreferrer">
                open it on GitHub
              </a>
            </>
          )}
        </p>
        <p data-testid="pull-story">
          Story “{story.title}” is <StatusBadge status={story.status} />
          {story.statusReason && <span class="hint"> {story.statusReason}</span>}
        </p>
      </header>

      {pullRequest.state === "open" && (
        <Actions
          projectId={projectId}
          number={number}
          busy={busy}
          merge={merge}
          close={close}
          reload={load}
        />
      )}

      <Checks view={view} />
      <TestRun task={view.tasks[0]} />

      <h2>Acceptance tests</h2>
      <ul class="plain" data-testid="pull-tests">
        {view.acceptanceTests.map((test) => (
          <li key={test.id}>
            <StatusBadge status={test.status} /> {test.title}
          </li>
        ))}
      </ul>
      {view.doneRequiresPassingTests && (
        <p class="hint">This project moves a story to Done only when every acceptance test is Pass.</p>
      )}

      <h2>Rounds</h2>
      <ul class="plain" data-testid="pull-rounds">
        {view.tasks.map((task) => (
          <li key={task.id}>
            <StatusBadge status={task.status} /> Round {task.round} · {task.agent} · {timeAgo(task.createdAt)}
            {task.error && <span class="hint"> {task.error.message}</span>}
            {task.feedback && <p class="hint round-feedback">{task.feedback}</p>}
          </li>
        ))}
      </ul>

      <h2>Files changed{files ? ` (${files.files.length})` : ""}</h2>
      {files?.truncated && (
        <p class="hint">Some diffs are too large to show in full; check the branch out to see all of it.</p>
      )}
      {files ? (
        files.files.map((file) => <FileDiff key={file.path} file={file} />)
      ) : (
        <p class="loading">Loading…</p>
      )}

      <CheckOut projectId={projectId} branch={pullRequest.branch} base={pullRequest.baseBranch} />
    </section>
  );
}

function Actions(props: {
  projectId: string;
  number: number;
  busy: boolean;
  merge: () => void;
  close: () => void;
  reload: () => Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [feedback, setFeedback] = useState("");
  const [instructions, setInstructions] = useState("");
  const [agent, setAgent] = useState("");
  const [command, setCommand] = useState("");
  const [sending, setSending] = useState(false);

  const send = async (event: Event) => {
    event.preventDefault();
    setSending(true);
    try {
      const chosen = chosenAgent(agent, command);
      await api.requestChanges(props.projectId, props.number, {
        feedback,
        ...(instructions.trim() ? { instructions } : {}),
        ...(chosen ? { agent: chosen } : {}),
      });
      notify("info", "Changes requested: a new round is queued on this pull request.");
      setAsking(false);
      setFeedback("");
      setInstructions("");
      await props.reload();
    } catch (error) {
      reportError("The changes could not be requested", error);
    } finally {
      setSending(false);
    }
  };

  return (
    <div class="pull-actions">
      <div class="actions">
        <button type="button" class="primary" disabled={props.busy} onClick={props.merge}>
          Merge
        </button>
        <button type="button" disabled={props.busy} onClick={props.close}>
          Close
        </button>
        <button
          type="button"
          disabled={props.busy}
          onClick={() => {
            if (!asking) void loadAgents(true);
            setAsking(!asking);
          }}
          aria-expanded={asking}
        >
          Request changes
        </button>
      </div>
      {asking && (
        <form class="form" onSubmit={send}>
          <label>
            What should change
            <textarea
              required
              rows={4}
              value={feedback}
              onInput={(e) => setFeedback(e.currentTarget.value)}
            />
          </label>
          <AgentPicker
            agent={agent}
            command={command}
            defaultLabel="The agent of the last round"
            onAgent={setAgent}
            onCommand={setCommand}
          />
          <label>
            Instructions for the agent (optional)
            <textarea rows={2} value={instructions} onInput={(e) => setInstructions(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={sending || feedback.trim() === ""}>
              Send to the agent
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function Checks({ view }: { view: PullRequestView }) {
  if (!view.checks) {
    return (
      <p class="hint" data-testid="pull-checks">
        Checks: the local forge runs none; the worker's test run marks the acceptance tests.
      </p>
    );
  }
  return (
    <div data-testid="pull-checks">
      <h2>
        Checks <StatusBadge status={`checks-${view.checks.state}`} label={view.checks.state} />
      </h2>
      <ul class="plain">
        {view.checks.runs.map((run) => (
          <li key={run.name}>
            <StatusBadge status={run.conclusion ?? run.status} /> {run.name}
          </li>
        ))}
      </ul>
    </div>
  );
}

const statusNames: Record<PullRequestFile["status"], string> = {
  added: "added",
  removed: "deleted",
  modified: "modified",
  renamed: "renamed",
  copied: "copied",
  changed: "changed",
};

function FileDiff({ file }: { file: PullRequestFile }) {
  return (
    <details class="file-diff" open={file.patch !== null && file.patch.length < 20_000}>
      <summary>
        <code>{file.previousPath ? `${file.previousPath} → ${file.path}` : file.path}</code>{" "}
        <span class="hint">
          {statusNames[file.status]} <span class="diff-count-added">+{file.additions}</span>{" "}
          <span class="diff-count-removed">−{file.deletions}</span>
        </span>
      </summary>
      {file.binary ? (
        <p class="hint">Binary file, not shown.</p>
      ) : file.patch === null ? (
        <p class="hint">This diff is too large to show; check the branch out to see it.</p>
      ) : file.patch === "" ? (
        <p class="hint">No changes to its content.</p>
      ) : (
        <pre class="diff">
          {diffLines(file.patch).map((line, index) => (
            <span key={index} class={`diff-line diff-${line.kind}`}>
              <span class="diff-number">{line.oldLine ?? ""}</span>
              <span class="diff-number">{line.newLine ?? ""}</span>
              {line.text}
              {"\n"}
            </span>
          ))}
        </pre>
      )}
    </details>
  );
}

/** The commands that fetch the branch and show its diff, every word quoted for the shell. */
function CheckOut({ projectId, branch, base }: { projectId: string; branch: string; base: string }) {
  const project = projects.value?.find((candidate) => candidate.id === projectId);
  if (!project) return null;
  const { cloneUrl, name } = project.repository;
  const commands = [
    shellCommand("git", "clone", cloneUrl),
    `${shellCommand("git", "-C", name, "fetch", "origin", branch)} && ${shellCommand(
      "git",
      "-C",
      name,
      "diff",
      `${base}...FETCH_HEAD`,
    )}`,
  ].join("\n");
  return (
    <>
      <h2>Check out locally</h2>
      <p class="hint">
        {project.repository.provider === "local"
          ? "When git asks for a password, give your AIPM token."
          : "With your GitHub credentials:"}
      </p>
      <pre class="log">{commands}</pre>
    </>
  );
}
