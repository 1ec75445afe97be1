/**
 * @module routes/webhook-rounds: GitHub events that start a feedback round by themselves on a
 * project that opted in (`autoRounds`): a review that requests changes (with its inline comments),
 * a comment that mentions AIPM's bot (both only from people with write access: owner, member or
 * collaborator), a check run that failed. A round starts at most once per head
 * commit and only while the head is the agent's last commit (nobody pushed since); the bot's own
 * reviews and comments never start one, and `maxRounds` bounds the rest, so rounds cannot feed
 * themselves for ever.
 */
import { runTextLimits, storyIdFromBranch } from "@aipm/shared";
import type { StoredProject } from "@aipm/store";
import { z } from "zod";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { queueRound } from "./rounds.ts";

/** How long a head commit's round is remembered: longer than any review of it goes on. */
const ROUND_KEY_TTL_SECONDS = 30 * 24 * 3600;

/** The events this module acts on, as GitHub names them in `X-GitHub-Event`. */
export const feedbackEvents = ["pull_request_review", "issue_comment", "check_run"] as const;

const repositorySchema = z.object({ name: z.string(), owner: z.object({ login: z.string() }) });
const userSchema = z.object({ login: z.string() });
/**
 * Whose words may start a round: people with write access to the repository. Anyone may comment
 * on a public repository's pull request, and a round runs (and pays for) an agent on its words.
 */
const trustedAssociations = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);
const associationSchema = z.string().optional();

const reviewSchema = z.object({
  action: z.literal("submitted"),
  review: z.object({
    id: z.number().int(),
    state: z.string(),
    body: z.string().nullish(),
    user: userSchema,
    author_association: associationSchema,
  }),
  pull_request: z.object({ number: z.number().int(), head: z.object({ sha: z.string() }) }),
  repository: repositorySchema,
});
const commentSchema = z.object({
  action: z.literal("created"),
  issue: z.object({ number: z.number().int(), pull_request: z.object({}).passthrough() }),
  comment: z.object({ body: z.string(), user: userSchema, author_association: associationSchema }),
  repository: repositorySchema,
});
const checkRunSchema = z.object({
  action: z.literal("completed"),
  check_run: z.object({
    name: z.string(),
    head_sha: z.string(),
    conclusion: z.string().nullish(),
    output: z
      .object({ title: z.string().nullish(), summary: z.string().nullish(), text: z.string().nullish() })
      .nullish(),
    pull_requests: z.array(z.object({ number: z.number().int() })),
  }),
  repository: repositorySchema,
});

/** Whether `project` is bound to GitHub's repository `owner/name` (GitHub ignores their case). */
export function isOnGithubRepository(project: StoredProject, owner: string, name: string): boolean {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const { repository } = project;
  return repository.provider === "github" && same(repository.owner, owner) && same(repository.name, name);
}

/** What an event asks of a pull request, before the story and project behind it are known. */
interface FeedbackTrigger {
  kind: "review" | "comment" | "check";
  owner: string;
  name: string;
  number: number;
  author: string | null;
  /** The commit the event is about, when it names one: an event about an older head is stale. */
  headSha: string | null;
  /** The round's feedback; a review's inline comments are read from GitHub. */
  feedback: (deps: AppDeps) => Promise<string>;
}

const sameLogin = (a: string, b: string) =>
  a.replace(/\[bot\]$/i, "").toLowerCase() === b.replace(/\[bot\]$/i, "").toLowerCase();

/** `text` cut to the feedback's limit, keeping its end (where test runners print the failures). */
function fitFeedback(text: string): string {
  const max = runTextLimits.feedback;
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(trimmed.length - max + 1)}`;
}

/** What `event` asks for, or null when it asks for no round. */
export function feedbackTrigger(event: string, payload: unknown, botHandle?: string): FeedbackTrigger | null {
  if (event === "pull_request_review") {
    const parsed = reviewSchema.safeParse(payload);
    if (!parsed.success || parsed.data.review.state.toLowerCase() !== "changes_requested") return null;
    const { review, pull_request: pull, repository } = parsed.data;
    if (!trustedAssociations.has(review.author_association ?? "")) return null;
    return {
      kind: "review",
      owner: repository.owner.login,
      name: repository.name,
      number: pull.number,
      author: review.user.login,
      headSha: pull.head.sha,
      async feedback(deps) {
        const ref = { owner: repository.owner.login, name: repository.name, defaultBranch: "main" };
        const comments = (await deps.forges.github?.reviewComments?.(ref, pull.number, review.id)) ?? [];
        const inline = comments.map(
          (comment) => `- ${comment.path}${comment.line ? `:${comment.line}` : ""}: ${comment.body.trim()}`,
        );
        return fitFeedback(
          [
            `@${review.user.login} requested changes in a review.`,
            review.body?.trim() ?? "",
            inline.length > 0 ? `Comments on the code:\n${inline.join("\n")}` : "",
          ]
            .filter((part) => part !== "")
            .join("\n\n"),
        );
      },
    };
  }
  if (event === "issue_comment") {
    const parsed = commentSchema.safeParse(payload);
    if (!parsed.success || !botHandle) return null;
    const { comment, issue, repository } = parsed.data;
    if (!trustedAssociations.has(comment.author_association ?? "")) return null;
    const handle = botHandle.replace(/\[bot\]$/i, "").replace(/[-[\]]/g, "\\$&");
    if (!new RegExp(`(^|[^\\w-])@${handle}(\\[bot\\])?(?![\\w-])`, "i").test(comment.body)) return null;
    return {
      kind: "comment",
      owner: repository.owner.login,
      name: repository.name,
      number: issue.number,
      author: comment.user.login,
      headSha: null,
      feedback: async () => fitFeedback(`@${comment.user.login} commented:\n\n${comment.body.trim()}`),
    };
  }
  if (event === "check_run") {
    const parsed = checkRunSchema.safeParse(payload);
    if (!parsed.success) return null;
    const { check_run: run, repository } = parsed.data;
    const number = run.pull_requests[0]?.number;
    if (number === undefined || !["failure", "timed_out"].includes(run.conclusion ?? "")) return null;
    const output = [run.output?.title, run.output?.summary, run.output?.text]
      .map((part) => part?.trim() ?? "")
      .filter((part) => part !== "");
    return {
      kind: "check",
      owner: repository.owner.login,
      name: repository.name,
      number,
      author: null,
      headSha: run.head_sha,
      feedback: async () =>
        fitFeedback(
          [`The check "${run.name}" failed (${run.conclusion}) on the agent's last commit.`, ...output].join(
            "\n\n",
          ),
        ),
    };
  }
  return null;
}

/**
 * Starts the round `event` asks for, if the project behind it opted in and the rules allow it;
 * says what happened, for the log. A refusal is an answer, not an error: GitHub needs no retry.
 */
export async function applyFeedbackEvent(deps: AppDeps, event: string, payload: unknown): Promise<string> {
  const trigger = feedbackTrigger(event, payload, deps.githubBotHandle);
  if (!trigger) return "no round asked";
  if (deps.githubBotHandle && trigger.author && sameLogin(trigger.author, deps.githubBotHandle))
    return "the bot's own words";
  const forge = deps.forges.github;
  const pull = forge
    ? await forge.getPullRequest(
        { owner: trigger.owner, name: trigger.name, defaultBranch: "main" },
        trigger.number,
      )
    : null;
  const storyId = pull ? storyIdFromBranch(pull.branch) : null;
  const record = storyId ? await deps.stories.getStory(storyId) : null;
  const project = record ? await deps.projects.get(record.story.projectId) : null;
  if (!pull || !project || !isOnGithubRepository(project, trigger.owner, trigger.name))
    return "not a pull request of an AIPM project";
  if (!project.autoRounds) return "the project does not start rounds by itself";
  if (trigger.headSha && trigger.headSha !== pull.headSha) return "about an older head commit";

  // Once per head commit: a round's own push makes a new head, and so a new chance, up to maxRounds.
  const key = `auto-round:${project.id}:${pull.number}:${pull.headSha}`;
  if (await deps.idempotency.begin(key, trigger.kind, ROUND_KEY_TTL_SECONDS))
    return "already started for this commit";
  try {
    const task = await queueRound(deps, {
      project,
      number: pull.number,
      feedback: await trigger.feedback(deps),
      instructions: null,
      // The agent of the pull request's last task, which an allowed request chose.
      allowAgent: () => {},
      by: { trigger: trigger.kind, author: trigger.author, headSha: pull.headSha },
      requireAgentHead: true,
    });
    await deps.idempotency.complete(key, { status: 202, body: task.id, contentType: "text/plain" });
    return `round ${task.round} queued as ${task.id}`;
  } catch (error) {
    // A refusal (another task runs, a person pushed, maxRounds) keeps this commit from starting one.
    if (error instanceof ApiError && error.status < 500) {
      await deps.idempotency.complete(key, {
        status: error.status,
        body: error.detail,
        contentType: "text/plain",
      });
      return `refused: ${error.detail}`;
    }
    await deps.idempotency.abandon(key).catch(() => {});
    throw error;
  }
}
