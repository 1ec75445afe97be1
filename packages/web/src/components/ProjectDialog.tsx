/**
 * @module components/ProjectDialog: create a project bound to a repository (or import one from a
 * file), or edit one (or export it).
 */
import { useState } from "preact/hooks";
import { ApiError } from "../api/client.ts";
import type { Project, RepositoryProvider } from "../domain.ts";
import { errorMessage } from "../state/notices.ts";
import { createProject, projects, updateProject } from "../state/projects.ts";
import { Dialog } from "./Dialog.tsx";
import { ExportProject, ImportProject } from "./ProjectFiles.tsx";

export function ProjectDialog({ project, onClose }: { project: Project | null; onClose: () => void }) {
  const [name, setName] = useState(project?.name ?? "");
  const [description, setDescription] = useState(project?.description ?? "");
  const [provider, setProvider] = useState<RepositoryProvider>(project?.repository.provider ?? "local");
  const [owner, setOwner] = useState(project?.repository.owner ?? "");
  const [repo, setRepo] = useState(project?.repository.name ?? "");
  const [branch, setBranch] = useState(project?.repository.defaultBranch ?? "main");
  const [strictDone, setStrictDone] = useState(project?.doneRequiresPassingTests ?? true);
  const [maxRounds, setMaxRounds] = useState(String(project?.maxRounds ?? 5));
  const [autoRounds, setAutoRounds] = useState(project?.autoRounds ?? false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The version the form shows: a save is checked against it, not against whatever is newest.
  const [base, setBase] = useState(project);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (base)
        await updateProject(base, {
          name,
          description,
          defaultBranch: branch,
          doneRequiresPassingTests: strictDone,
          maxRounds: Number(maxRounds),
          autoRounds,
        });
      else
        await createProject({
          name,
          description,
          repository: { provider, owner, name: repo, defaultBranch: branch },
          doneRequiresPassingTests: strictDone,
          maxRounds: Number(maxRounds),
          autoRounds,
        });
      onClose();
    } catch (failure) {
      const fresh = projects.value?.find((candidate) => candidate.id === base?.id);
      if (failure instanceof ApiError && failure.isConflict && fresh) {
        // Show what is saved now, so that a second Save cannot quietly overwrite it.
        setName(fresh.name);
        setDescription(fresh.description);
        setBranch(fresh.repository.defaultBranch);
        setStrictDone(fresh.doneRequiresPassingTests);
        setMaxRounds(String(fresh.maxRounds));
        setAutoRounds(fresh.autoRounds);
        setBase(fresh);
        setError(`${errorMessage(failure)} The form now shows the saved project: make your change again.`);
      } else setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={project ? `Edit project ${project.name}` : "New project"} onClose={onClose}>
      <form onSubmit={submit} class="form">
        <label>
          Name
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <textarea rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Repository</legend>
          <label>
            Provider
            <select
              value={provider}
              disabled={Boolean(project)}
              onChange={(e) => setProvider(e.currentTarget.value as RepositoryProvider)}
            >
              <option value="local">Local git forge (created if missing)</option>
              <option value="github">GitHub</option>
            </select>
          </label>
          <div class="row">
            <label>
              Owner
              <input
                required
                value={owner}
                disabled={Boolean(project)}
                onInput={(e) => setOwner(e.currentTarget.value)}
              />
            </label>
            <label>
              Repository name
              <input
                required
                value={repo}
                disabled={Boolean(project)}
                onInput={(e) => setRepo(e.currentTarget.value)}
              />
            </label>
          </div>
          <label>
            Default branch
            <input required value={branch} onInput={(e) => setBranch(e.currentTarget.value)} />
          </label>
          {project && <p class="hint">Clone URL: {project.repository.cloneUrl}</p>}
        </fieldset>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={strictDone}
            onChange={(e) => setStrictDone(e.currentTarget.checked)}
          />
          Done needs every acceptance test Pass (a merged story waits in Review otherwise)
        </label>
        <label>
          Rounds per pull request (the first run and each Request changes)
          <input
            type="number"
            min={1}
            max={20}
            step={1}
            required
            value={maxRounds}
            onInput={(e) => setMaxRounds(e.currentTarget.value)}
          />
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={autoRounds}
            onChange={(e) => setAutoRounds(e.currentTarget.checked)}
          />
          On GitHub, start a round by itself for a review requesting changes, a comment mentioning the bot, or
          a failing check (once per commit)
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {project ? "Save project" : "Create project"}
          </button>
        </div>
      </form>
      {project ? <ExportProject project={project} /> : <ImportProject onImported={onClose} />}
    </Dialog>
  );
}
