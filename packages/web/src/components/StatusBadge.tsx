/**
 * @module components/StatusBadge: a story's or a task's status as a coloured label.
 */

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const slug = status.toLowerCase().replace(/[^a-z]+/g, "-");
  return <span class={`badge status-${slug}`}>{label ?? status.replaceAll("_", " ")}</span>;
}
