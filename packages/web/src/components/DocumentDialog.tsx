/**
 * @module components/DocumentDialog: the requirements document of the project, or of one story
 * and the stories under it, as the API writes it: shown as HTML (to read and print) or downloaded
 * as Markdown. The HTML is shown in a sandboxed frame where no script runs, since it quotes what
 * users wrote.
 */
import { useRef, useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { fileStem } from "../logic/format.ts";
import { errorMessage } from "../state/notices.ts";
import { api } from "../state/session.ts";
import { Dialog } from "./Dialog.tsx";
import { saveFile } from "./save-file.ts";

export interface DocumentDialogProps {
  projectId: string;
  projectName: string;
  /** The story selected in the workspace, offered as the document's root. */
  story: Story | null;
  onClose: () => void;
}

export function DocumentDialog({ projectId, projectName, story, onClose }: DocumentDialogProps) {
  const [scope, setScope] = useState<"project" | "story">(story ? "story" : "project");
  const [html, setHtml] = useState<string | null>(null);
  const [busy, setBusy] = useState<"html" | "markdown" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const frame = useRef<HTMLIFrameElement>(null);
  const root = scope === "story" && story ? story : null;

  const fetchDocument = (format: "html" | "markdown") => {
    const query = new URLSearchParams(root ? { storyId: root.id, format } : { format });
    return api.download(`/api/projects/${encodeURIComponent(projectId)}/document?${query}`);
  };

  const run = async (format: "html" | "markdown") => {
    setBusy(format);
    setError(null);
    try {
      const file = await fetchDocument(format);
      if (format === "html") setHtml(await file.blob.text());
      else
        saveFile(file.blob, file.filename ?? `${fileStem(root ? root.title : projectName)}-requirements.md`);
    } catch (failure) {
      setError(`The document could not be made: ${errorMessage(failure)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Dialog title="Requirements document" onClose={onClose} wide>
      <fieldset class="document-options">
        <legend>What to document</legend>
        <label class="checkbox">
          <input
            type="radio"
            name="document-scope"
            checked={scope === "project"}
            onChange={() => {
              setScope("project");
              setHtml(null);
            }}
          />
          The whole project, {projectName}
        </label>
        {story && (
          <label class="checkbox">
            <input
              type="radio"
              name="document-scope"
              checked={scope === "story"}
              onChange={() => {
                setScope("story");
                setHtml(null);
              }}
            />
            “{story.title}” and the stories under it
          </label>
        )}
      </fieldset>
      <div class="actions">
        <button type="button" class="primary" disabled={busy !== null} onClick={() => void run("html")}>
          {busy === "html" ? "Making…" : "Show"}
        </button>
        <button type="button" disabled={html === null} onClick={() => frame.current?.contentWindow?.print()}>
          Print
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void run("markdown")}>
          {busy === "markdown" ? "Making…" : "Download Markdown"}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {html !== null && (
        // No allow-scripts: the document's own scripts, if any, never run. allow-same-origin lets
        // this page call print() on the frame; allow-modals lets the print dialog open.
        <iframe
          ref={frame}
          class="document-preview"
          title="Requirements document"
          sandbox="allow-same-origin allow-modals"
          srcDoc={html}
        />
      )}
    </Dialog>
  );
}
