/**
 * @module components/AiAssist: the AI actions on the selected story: draft its acceptance tests,
 * review it against INVEST, split it. Each shows its proposal with what it cost; nothing is saved
 * until the user accepts it, and then through the same routes as a user's own edits.
 */
import { describeUsage } from "@aipm/shared/usage";
import { useEffect, useState } from "preact/hooks";
import type { AgentUsage, InvestAnalysis, ProjectUsage, Story, StoryDraft, TestDraft } from "../domain.ts";
import { streamProgress } from "../logic/ai-progress.ts";
import { errorMessage } from "../state/notices.ts";
import { api } from "../state/session.ts";
import { changeStory, editStoryParts, loadStories } from "../state/stories.ts";
import { InvestWarningItem } from "./InvestPanel.tsx";

type Proposal =
  | { kind: "tests"; tests: TestDraft[] }
  | { kind: "review"; analysis: InvestAnalysis }
  | { kind: "split"; children: { story: StoryDraft; tests: TestDraft[] }[] };

const fieldNames: Record<string, string> = {
  title: "Title",
  asA: "As a",
  iWant: "I want",
  soThat: "So that",
  description: "Description",
};

export function TestPreview({ test }: { test: TestDraft }) {
  return (
    <div class="test-preview">
      <strong>{test.title}</strong>
      {(["given", "when", "then"] as const).map((kind) => (
        <p key={kind}>
          <em>{kind[0]?.toUpperCase() + kind.slice(1)}</em> {test[kind].join("; ")}
        </p>
      ))}
    </div>
  );
}

const dollars = (value: number | null | undefined) => `$${(value ?? 0).toFixed(4)}`;

/** The project's spending: its AI actions and its agents, and the two together. */
function ProjectCost({ projectId, revision }: { projectId: string; revision: number }) {
  const [usage, setUsage] = useState<ProjectUsage | null>(null);
  useEffect(() => {
    api.projectUsage(projectId).then(setUsage, () => setUsage(null));
  }, [projectId, revision]);
  if (!usage) return null;
  return (
    <p class="hint" data-testid="project-cost">
      This project so far: AI {dollars(usage.ai.usage?.costUsd)} over {usage.ai.calls} calls, agents{" "}
      {dollars(usage.usage.total?.costUsd)} over {usage.usage.tasks} tasks; {dollars(usage.totalCostUsd)} in
      all.
    </p>
  );
}

export function AiAssist({ story }: { story: Story }) {
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const [usage, setUsage] = useState<AgentUsage | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [calls, setCalls] = useState(0);
  const [streamed, setStreamed] = useState("");

  /** Runs one action, its answer streamed in: the progress line shows what has arrived. */
  const run = async (
    what: string,
    ask: (onText: (text: string) => void) => Promise<Proposal & { usage: AgentUsage }>,
  ) => {
    setBusy(what);
    setError(null);
    setProposal(null);
    setStreamed("");
    try {
      const { usage: spent, ...answer } = await ask(setStreamed);
      setProposal(answer as Proposal);
      setUsage(spent);
      setCalls((count) => count + 1);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(null);
    }
  };
  const discard = () => setProposal(null);

  const acceptTests = async (tests: TestDraft[]) => {
    setBusy("Adding the tests");
    await editStoryParts(story.id, "Adding the drafted acceptance tests", async () => {
      for (const test of tests) await api.createAcceptanceTest(story.id, test);
    });
    setBusy(null);
    setProposal(null);
  };

  const acceptSplit = async (children: { story: StoryDraft; tests: TestDraft[] }[]) => {
    setBusy("Creating the stories");
    await editStoryParts(story.id, "Creating the child stories", async () => {
      for (const child of children) {
        const created = await api.createStory(story.projectId, { ...child.story, parentId: story.id });
        for (const test of child.tests) await api.createAcceptanceTest(created.id, test);
      }
    });
    await loadStories(story.projectId);
    setBusy(null);
    setProposal(null);
  };

  return (
    <section class="panel ai" aria-labelledby="ai-heading" aria-busy={busy !== null}>
      <h3 id="ai-heading">AI assistant</h3>
      <div class="actions">
        <button
          type="button"
          disabled={busy !== null}
          onClick={() =>
            run("Drafting tests", async (onText) => ({
              kind: "tests",
              ...(await api.aiDraftTests(story.id, onText)),
            }))
          }
        >
          Draft acceptance tests
        </button>
        <button
          type="button"
          disabled={busy !== null}
          onClick={() =>
            run("Reviewing", async (onText) => ({
              kind: "review",
              ...(await api.aiReview(story.id, onText)),
            }))
          }
        >
          Review INVEST with AI
        </button>
        <button
          type="button"
          disabled={busy !== null}
          onClick={() =>
            run("Splitting", async (onText) => ({ kind: "split", ...(await api.aiSplit(story.id, onText)) }))
          }
        >
          Split story
        </button>
      </div>
      <ProjectCost projectId={story.projectId} revision={calls} />
      {busy && (
        <p class="hint" aria-live="polite" data-testid="ai-progress">
          {busy}… {streamProgress(streamed)}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {proposal && (
        <section class="ai-proposal" aria-label="AI proposal">
          {proposal.kind === "tests" && (
            <>
              <h4>Drafted acceptance tests ({proposal.tests.length})</h4>
              {proposal.tests.map((test) => (
                <TestPreview key={test.title} test={test} />
              ))}
            </>
          )}
          {proposal.kind === "review" && (
            <>
              <h4>
                INVEST review: <span data-testid="ai-invest-score">{proposal.analysis.score}</span> / 100 (
                {proposal.analysis.source})
              </h4>
              <ul class="warnings">
                {proposal.analysis.warnings.map((warning) => (
                  <InvestWarningItem key={`${warning.rule}-${warning.message}`} warning={warning}>
                    {warning.rewrite && (
                      <p>
                        {fieldNames[warning.rewrite.field]}: “{warning.rewrite.value}”{" "}
                        <button
                          type="button"
                          onClick={() => {
                            const rewrite = warning.rewrite;
                            if (rewrite)
                              void changeStory(
                                story,
                                { [rewrite.field]: rewrite.value },
                                "Applying the AI rewrite",
                              );
                          }}
                        >
                          Apply rewrite
                        </button>
                      </p>
                    )}
                  </InvestWarningItem>
                ))}
              </ul>
            </>
          )}
          {proposal.kind === "split" && (
            <>
              <h4>Split into {proposal.children.length} stories</h4>
              <ol>
                {proposal.children.map((child) => (
                  <li key={child.story.title}>
                    <strong>{child.story.title}</strong>
                    <p>
                      As a {child.story.asA}, I want {child.story.iWant}, so that {child.story.soThat}.
                    </p>
                    {child.tests.map((test) => (
                      <TestPreview key={test.title} test={test} />
                    ))}
                  </li>
                ))}
              </ol>
            </>
          )}
          {usage && (
            <p class="hint" data-testid="ai-usage">
              This cost {describeUsage(usage)}.
            </p>
          )}
          <div class="actions">
            <button type="button" onClick={discard}>
              Discard
            </button>
            {proposal.kind === "tests" && (
              <button type="button" class="primary" onClick={() => acceptTests(proposal.tests)}>
                Add these tests
              </button>
            )}
            {proposal.kind === "split" && (
              <button type="button" class="primary" onClick={() => acceptSplit(proposal.children)}>
                Create these stories
              </button>
            )}
          </div>
        </section>
      )}
    </section>
  );
}
