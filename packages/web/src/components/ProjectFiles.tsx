/**
 * @module components/ProjectFiles: a project as a file and back: Export downloads its JSON
 * document (settings, stories, tests, dependencies and task history; no secrets), Import creates
 * a new project from such a file and opens it.
 */
import { useState } from "preact/hooks";
import type { Project } from "../domain.ts";
import { fileStem } from "../logic/format.ts";
import { errorMessage, notify } from "../state/notices.ts";
import { importProject } from "../state/projects.ts";
import { api } from "../state/session.ts";
import { saveFile } from "./save-file.ts";

export function ExportProject({ project }: { project: Project }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const exportProject = async () => {
    setBusy(true);
    setError(null);
    try {
      const file = await api.download(`/api/projects/${encodeURIComponent(project.id)}/export`);
      saveFile(file.blob, file.filename ?? `${fileStem(project.name)}.aipm.json`);
    } catch (failure) {
      setError(`The project could not be exported: ${errorMessage(failure)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="project-files" aria-labelledby="export-heading">
      <h3 id="export-heading">Export</h3>
      <p class="hint">
        One JSON file with the project's settings, stories, acceptance tests, dependencies and task history;
        no tokens or secrets. Import it here or on another AIPM.
      </p>
      <button type="button" disabled={busy} onClick={() => void exportProject()}>
        {busy ? "Exporting…" : "Export project"}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function ImportProject({ onImported }: { onImported: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      let document: unknown;
      try {
        document = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON. Choose a file that “Export project” wrote.`);
      }
      await importProject(document);
      const name = (document as { project?: { name?: unknown } }).project?.name;
      notify("info", `Imported ${typeof name === "string" ? `“${name}”` : file.name} as a new project.`);
      onImported();
    } catch (failure) {
      setError(`The project was not imported: ${errorMessage(failure)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="project-files" aria-labelledby="import-heading">
      <h3 id="import-heading">Or import a project</h3>
      <label>
        A file “Export project” wrote (a new project is made of it; the original is left alone)
        <input
          type="file"
          accept=".json,application/json"
          disabled={busy}
          onChange={(event) => {
            const input = event.currentTarget;
            void importFile(input.files?.[0]).finally(() => {
              input.value = "";
            });
          }}
        />
      </label>
      {busy && <p class="hint">Importing…</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
