/**
 * @module components/Notices: errors and confirmations, read out by screen readers as they come.
 */
import { dismiss, notices } from "../state/notices.ts";

export function Notices() {
  return (
    <section class="notices" aria-label="Messages">
      <div role="status" aria-live="polite">
        {notices.value
          .filter((notice) => notice.kind === "info")
          .map((notice) => (
            <NoticeItem key={notice.id} id={notice.id} kind="info" text={notice.text} />
          ))}
      </div>
      <div role="alert" aria-live="assertive">
        {notices.value
          .filter((notice) => notice.kind === "error")
          .map((notice) => (
            <NoticeItem key={notice.id} id={notice.id} kind="error" text={notice.text} />
          ))}
      </div>
    </section>
  );
}

function NoticeItem({ id, kind, text }: { id: number; kind: string; text: string }) {
  return (
    <div class={`notice ${kind}`} data-testid="notice">
      <p>{text}</p>
      <button type="button" class="icon" aria-label="Dismiss message" onClick={() => dismiss(id)}>
        ×
      </button>
    </div>
  );
}
