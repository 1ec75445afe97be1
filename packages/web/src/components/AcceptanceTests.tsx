/**
 * @module components/AcceptanceTests: the story's Given/When/Then tests, each editable, one step
 * per line.
 */
import { useState } from "preact/hooks";
import {
  type AcceptanceTest,
  type AcceptanceTestStatus,
  acceptanceTestStatuses,
  type Story,
} from "../domain.ts";
import { linesToSteps, stepsToLines } from "../logic/steps.ts";
import { aiEnabled } from "../state/ai.ts";
import { errorMessage } from "../state/notices.ts";
import { api } from "../state/session.ts";
import { editStoryParts } from "../state/stories.ts";

interface StepsDraft {
  title: string;
  given: string;
  when: string;
  then: string;
  status: AcceptanceTestStatus;
}

const emptyDraft: StepsDraft = { title: "", given: "", when: "", then: "", status: "Draft" };

const toDraft = (test: AcceptanceTest): StepsDraft => ({
  title: test.title,
  given: stepsToLines(test.given),
  when: stepsToLines(test.when),
  then: stepsToLines(test.then),
  status: test.status,
});

const toBody = (draft: StepsDraft) => ({
  title: draft.title.trim(),
  given: linesToSteps(draft.given),
  when: linesToSteps(draft.when),
  then: linesToSteps(draft.then),
  status: draft.status,
});

function missingStep(draft: StepsDraft): string | null {
  const body = toBody(draft);
  if (!body.title) return "Give the test a title.";
  for (const step of ["given", "when", "then"] as const) {
    if (body[step].length === 0) return `Write at least one ${step[0]?.toUpperCase()}${step.slice(1)} step.`;
  }
  return null;
}

function StepsFields({
  draft,
  onChange,
  idPrefix,
}: {
  draft: StepsDraft;
  onChange: (d: StepsDraft) => void;
  idPrefix: string;
}) {
  const set = (name: keyof StepsDraft) => (event: Event) =>
    onChange({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });
  return (
    <>
      <div class="row">
        <div class="grow">
          <label for={`${idPrefix}-title`}>Test title</label>
          <input id={`${idPrefix}-title`} value={draft.title} onInput={set("title")} />
        </div>
        <div>
          <label for={`${idPrefix}-status`}>Test status</label>
          <select id={`${idPrefix}-status`} value={draft.status} onChange={set("status")}>
            {acceptanceTestStatuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
      </div>
      {(["given", "when", "then"] as const).map((step) => (
        <div key={step} class="step">
          <label for={`${idPrefix}-${step}`}>{step[0]?.toUpperCase() + step.slice(1)}</label>
          <textarea
            id={`${idPrefix}-${step}`}
            rows={2}
            value={draft[step]}
            onInput={set(step)}
            aria-describedby="steps-help"
          />
        </div>
      ))}
    </>
  );
}

function TestEditor({ story, test, index }: { story: Story; test: AcceptanceTest; index: number }) {
  const [draft, setDraft] = useState(() => toDraft(test));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = JSON.stringify(draft) !== JSON.stringify(toDraft(test));

  const save = async (event: Event) => {
    event.preventDefault();
    const problem = missingStep(draft);
    setError(problem);
    if (problem) return;
    setBusy(true);
    const ok = await editStoryParts(story.id, "Saving the acceptance test", () =>
      api.updateAcceptanceTest(test.id, { ...toBody(draft), version: test.version }),
    );
    if (!ok) setDraft(toDraft(test));
    setBusy(false);
  };

  /** Rewrites each Then step into an observable one, in the editor only: the user saves it. */
  const improveThen = async () => {
    setBusy(true);
    setError(null);
    try {
      const improved: string[] = [];
      for (const step of linesToSteps(draft.then)) {
        improved.push((await api.aiImproveStep(story.id, "then", step)).step);
      }
      setDraft({ ...draft, then: stepsToLines(improved) });
    } catch (failure) {
      setError(errorMessage(failure));
    }
    setBusy(false);
  };

  return (
    <li class="test">
      <form class="form" onSubmit={save} aria-label={`Acceptance test ${index + 1}: ${test.title}`}>
        <StepsFields draft={draft} onChange={setDraft} idPrefix={`test-${test.id}`} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              editStoryParts(story.id, "Deleting the acceptance test", () =>
                api.deleteAcceptanceTest(test.id),
              )
            }
          >
            Delete test
          </button>
          {aiEnabled() && (
            <button type="button" disabled={busy} onClick={improveThen}>
              Improve Then steps with AI
            </button>
          )}
          <button type="submit" class="primary" disabled={!dirty || busy}>
            Save test
          </button>
        </div>
      </form>
    </li>
  );
}

export function AcceptanceTests({ story }: { story: Story }) {
  const [draft, setDraft] = useState(emptyDraft);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (event: Event) => {
    event.preventDefault();
    const problem = missingStep(draft);
    setError(problem);
    if (problem) return;
    setBusy(true);
    if (
      await editStoryParts(story.id, "Adding the acceptance test", () =>
        api.createAcceptanceTest(story.id, toBody(draft)),
      )
    )
      setDraft(emptyDraft);
    setBusy(false);
  };

  return (
    <section class="panel" aria-labelledby="tests-heading">
      <h3 id="tests-heading">Acceptance tests ({story.acceptanceTests.length})</h3>
      <p class="hint" id="steps-help">
        One step per line.
      </p>
      <ol class="tests">
        {story.acceptanceTests.map((test, index) => (
          <TestEditor key={`${test.id}:${test.version}`} story={story} test={test} index={index} />
        ))}
      </ol>
      <form class="form new-test" onSubmit={add} aria-label="New acceptance test">
        <h4>New acceptance test</h4>
        <StepsFields draft={draft} onChange={setDraft} idPrefix="new-test" />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Add acceptance test
          </button>
        </div>
      </form>
    </section>
  );
}
