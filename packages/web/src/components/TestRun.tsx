/**
 * @module components/TestRun: the last test run of a pull request's newest task, as the worker
 * recorded it (`tests.ran`): its outcome and counts, and the tail of its output on demand.
 */
import { useEffect, useState } from "preact/hooks";
import type { Task, TaskEvent } from "../domain.ts";
import { describeEvent } from "../logic/format.ts";
import { api } from "../state/session.ts";

export function TestRun({ task }: { task: Task | undefined }) {
  const [run, setRun] = useState<TaskEvent | null>(null);
  useEffect(() => {
    setRun(null);
    if (!task) return;
    let current = true;
    void api.taskEvents(task.id, 0).then(
      (page) => {
        if (current) setRun(page.events.findLast((event) => event.type === "tests.ran") ?? null);
      },
      () => {},
    );
    return () => {
      current = false;
    };
  }, [task?.id, task?.status]);

  if (!task || !run) return null;
  const tail = typeof run.data.outputTail === "string" ? run.data.outputTail : "";
  return (
    <div data-testid="pull-test-run">
      <h2>Test run (round {task.round})</h2>
      <p>{describeEvent(run)}</p>
      {tail && (
        <details>
          <summary>Output</summary>
          <pre class="log">{tail}</pre>
        </details>
      )}
    </div>
  );
}
