/**
 * @module commit-trailers: the git trailers that tie a worker's commit to its task and attempt,
 * written and read in one place. No zod, no I/O.
 *
 * A message the worker writes looks like:
 *
 *     AIPM: Pay by card
 *
 *     Story st_01J...
 *
 *     AIPM-Task: tk_01J...
 *     AIPM-Attempt: 2
 *     AIPM-Agent: claude
 *
 * Only the message's last paragraph is read as trailers, and everything before it is written
 * with its line breaks turned into spaces, so user text (a story title) cannot forge a trailer.
 */

/** What the trailers say about the commit. */
export interface CommitTrailers {
  taskId: string;
  /** The task's attempt that made the commit, from 1. */
  attempt: number;
  /** The agent that ran, when the writer named it. */
  agent?: string;
}

/** The human-readable part of a commit message: a subject line and body lines. */
export interface CommitText {
  subject: string;
  body?: readonly string[];
}

const TASK = "AIPM-Task";
const ATTEMPT = "AIPM-Attempt";
const AGENT = "AIPM-Agent";

/** Every character some program treats as a line break, and the other control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
const lineBreaks = /[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g;

/** `text` on one line: every run of line breaks and control characters becomes one space. */
const oneLine = (text: string): string => text.replace(lineBreaks, " ").trim();

/**
 * A commit message: `text` (each line kept to one line, so nothing in it can start a paragraph or
 * a trailer block), then a blank line and the trailers as the message's last paragraph.
 *
 * @example writeCommitTrailers({ subject: "AIPM: Pay by card", body: ["Story st_1"] }, { taskId: "tk_1", attempt: 1 })
 * // "AIPM: Pay by card\n\nStory st_1\n\nAIPM-Task: tk_1\nAIPM-Attempt: 1\n"
 */
export function writeCommitTrailers(text: CommitText, trailers: CommitTrailers): string {
  if (!Number.isSafeInteger(trailers.attempt) || trailers.attempt < 1)
    throw new RangeError(`A commit's attempt must be a whole number from 1, not ${trailers.attempt}.`);
  const taskId = oneLine(trailers.taskId);
  if (taskId === "") throw new RangeError("A commit's task id must not be empty.");
  const body = (text.body ?? []).map(oneLine).filter((line) => line !== "");
  const trailerLines = [`${TASK}: ${taskId}`, `${ATTEMPT}: ${trailers.attempt}`];
  const agent = trailers.agent === undefined ? "" : oneLine(trailers.agent);
  if (agent !== "") trailerLines.push(`${AGENT}: ${agent}`);
  const paragraphs = [oneLine(text.subject) || "AIPM", ...(body.length > 0 ? [body.join("\n")] : [])];
  return `${[...paragraphs, trailerLines.join("\n")].join("\n\n")}\n`;
}

/** `Key: value`, as git's trailer parser reads it with its default `:` separator. */
const trailerLine = /^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

/**
 * The AIPM trailers of a commit message, or null when its last paragraph is not a trailer block
 * (every line `Key: value`, and not the subject), or lacks the task or the attempt, or names
 * either twice. Line endings may be LF or CRLF; keys are matched without regard to case, as git does.
 *
 * @example readCommitTrailers("AIPM: x\n\nAIPM-Task: tk_1\nAIPM-Attempt: 2\n") // { taskId: "tk_1", attempt: 2 }
 */
export function readCommitTrailers(message: string): CommitTrailers | null {
  const paragraphs = message
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/^\n+|\s+$/g, ""))
    .filter((paragraph) => paragraph !== "");
  // The subject is never a trailer block.
  if (paragraphs.length < 2) return null;
  const values = new Map<string, string[]>();
  for (const line of (paragraphs.at(-1) ?? "").split("\n")) {
    const match = trailerLine.exec(line);
    if (!match) return null;
    const key = (match[1] ?? "").toLowerCase();
    values.set(key, [...(values.get(key) ?? []), (match[2] ?? "").trim()]);
  }
  const only = (key: string): string | null => {
    const found = values.get(key.toLowerCase()) ?? [];
    return found.length === 1 ? (found[0] ?? null) : null;
  };
  const taskId = only(TASK);
  const attempt = only(ATTEMPT);
  if (!taskId || !attempt || !/^[1-9][0-9]{0,8}$/.test(attempt)) return null;
  const agent = only(AGENT);
  return { taskId, attempt: Number(attempt), ...(agent ? { agent } : {}) };
}
