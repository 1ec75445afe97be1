/**
 * @module routes/webhooks: GitHub tells us when a pull request is merged or closed; the story and
 * its active task follow, by the same rule as AIPM's own Merge and Close (pull-request-end.ts). Authenticated by the HMAC signature, not by a token. A delivery applies
 * only to a story whose project is on GitHub in the payload's repository, and only once: its
 * `X-GitHub-Delivery` id and its body's digest are remembered for a week (the signature covers
 * the body, not the header, so a replay under a new delivery id is caught by the digest). Reviews,
 * comments and check runs may start a feedback round (webhook-rounds.ts).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { storyIdFromBranch } from "@aipm/shared";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { applyPullRequestEnd } from "../pull-request-end.ts";
import { createRouter } from "./router.ts";
import { applyFeedbackEvent, feedbackEvents, isOnGithubRepository } from "./webhook-rounds.ts";

/** True when `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`. */
export function verifyGithubSignature(secret: string, body: string, signature: string | undefined): boolean {
  if (!signature?.startsWith("sha256=")) return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const pullRequestEventSchema = z.object({
  action: z.string(),
  pull_request: z.object({
    number: z.number().int(),
    merged: z.boolean().nullish(),
    head: z.object({ ref: z.string() }),
  }),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }).optional(),
});

/** How long a delivery is remembered: GitHub lets a delivery be redelivered for a few days. */
const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

export function webhookRoutes(deps: AppDeps) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "post",
      path: "/api/webhooks/github",
      tags: ["webhooks"],
      summary:
        "GitHub webhook (pull_request; and pull_request_review, issue_comment and check_run for projects with autoRounds); verified by X-Hub-Signature-256",
      security: [],
      responses: {
        202: { description: "Applied" },
        204: { description: "Nothing to do for this event" },
        401: { description: "Missing or wrong signature" },
        503: { description: "Webhooks are not configured" },
      },
    }),
    async (c) => {
      const secret = await deps.webhookSecret();
      if (!secret)
        throw new ApiError(503, "This deployment has no GitHub webhook secret configured.", {
          type: "webhook-unconfigured",
        });
      const body = await c.req.text();
      if (!verifyGithubSignature(secret, body, c.req.header("X-Hub-Signature-256"))) {
        throw ApiError.unauthorized("The X-Hub-Signature-256 header is missing or does not match the body.");
      }
      const event = c.req.header("X-GitHub-Event") ?? "";
      if (event !== "pull_request" && !(feedbackEvents as readonly string[]).includes(event))
        return c.body(null, 204);
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        throw ApiError.badRequest("The webhook body is not valid JSON.");
      }
      if (event !== "pull_request") {
        const outcome = await applyFeedbackEvent(deps, event, payload);
        deps.log.info("github feedback event", { event, outcome });
        return c.body(null, outcome.startsWith("round ") ? 202 : 204);
      }
      const parsed = pullRequestEventSchema.safeParse(payload);
      if (!parsed.success || parsed.data.action !== "closed") return c.body(null, 204);
      const storyId = storyIdFromBranch(parsed.data.pull_request.head.ref);
      if (!storyId) return c.body(null, 204);
      const record = await deps.stories.getStory(storyId);
      if (!record) return c.body(null, 204);
      const project = await deps.projects.get(record.story.projectId);
      const repository = parsed.data.repository;
      if (
        !project ||
        !repository ||
        !isOnGithubRepository(project, repository.owner.login, repository.name)
      ) {
        deps.log.info("pull request webhook for another repository ignored", { storyId });
        return c.body(null, 204);
      }

      const digest = createHash("sha256").update(body, "utf8").digest("hex");
      const delivery = c.req.header("X-GitHub-Delivery") ?? "";
      const keys = [`github-delivery-body:${digest}`, ...(delivery ? [`github-delivery:${delivery}`] : [])];
      const claimed: string[] = [];
      for (const key of keys) {
        const seen = await deps.idempotency.begin(key, digest, DELIVERY_TTL_SECONDS);
        if (seen) {
          await Promise.all(claimed.map((own) => deps.idempotency.abandon(own)));
          deps.log.info("pull request webhook already applied", { storyId, delivery });
          return c.body(null, 204);
        }
        claimed.push(key);
      }
      try {
        await applyPullRequestEnd(deps, record, {
          number: parsed.data.pull_request.number,
          merged: parsed.data.pull_request.merged === true,
        });
      } catch (error) {
        // Not applied: a redelivery may try again.
        await Promise.all(claimed.map((key) => deps.idempotency.abandon(key).catch(() => {})));
        throw error;
      }
      await Promise.all(
        claimed.map((key) =>
          deps.idempotency.complete(key, { status: 202, body: "", contentType: "text/plain" }),
        ),
      );
      return c.body(null, 202);
    },
  );
  return router;
}
