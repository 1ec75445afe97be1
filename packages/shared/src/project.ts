/**
 * @module project: a project bound to the repository its stories turn into pull requests for.
 */
import { z } from "zod";
import { isoDateTimeSchema, line, text, versionSchema } from "./common.ts";
import { projectIdSchema } from "./ids.ts";
import { repositoryProviders, roundLimits, testCommandMaxLength } from "./values.ts";

export const repositoryProviderSchema = z.enum(repositoryProviders);

/** GitHub's rule for user and organisation names; local repositories follow it too. */
export const repositoryOwnerSchema = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "must be a GitHub-style owner name");

/** GitHub's rule for repository names: letters, digits, `.`, `-`, `_`, and not `.` or `..`. */
export const repositoryNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, "must use only letters, digits, '.', '-' and '_' (at most 100)")
  .refine((name) => name !== "." && name !== ".." && !name.endsWith(".git"), {
    message: "must not be '.', '..' or end in '.git'",
  });

/**
 * A branch name that git accepts and that a shell reads as one plain word: see
 * {@link isValidBranchName}.
 */
export const branchNameSchema = z
  .string()
  .min(1)
  .max(200)
  .refine(
    isValidBranchName,
    "must be a git branch name of letters, digits, '/', '.', '_' and '-' (no leading '-', no '..', no trailing '/' or '.lock')",
  );

/**
 * True when `name` is a branch name that `git check-ref-format --branch` accepts and that uses
 * only ASCII letters, digits and `/._-`. The narrower set keeps names that are valid refs but
 * shell syntax (`main;touch${IFS}x;#`, `$(…)`, `a!b`, `#1`) out of the commands people copy.
 */
export function isValidBranchName(name: string): boolean {
  if (!/^[A-Za-z0-9/._-]+$/.test(name)) return false;
  // git reserves `HEAD` (`git check-ref-format --branch HEAD` fails).
  if (name === "HEAD" || name.startsWith("-")) return false;
  if (name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return false;
  if (name.includes("..") || name.includes("//")) return false;
  return name.split("/").every((part) => !part.startsWith(".") && !part.endsWith(".lock"));
}

export const repositoryInputSchema = z.strictObject({
  provider: repositoryProviderSchema,
  owner: repositoryOwnerSchema,
  name: repositoryNameSchema,
  defaultBranch: branchNameSchema.default("main"),
});
export type RepositoryInput = z.input<typeof repositoryInputSchema>;

export const repositorySchema = repositoryInputSchema.extend({
  defaultBranch: branchNameSchema,
  /** Derived from provider, owner and name by the API; never accepted as input. */
  cloneUrl: z.url(),
});
export type Repository = z.infer<typeof repositorySchema>;

/**
 * The shell command that runs a project's tests in its repository (`npm test`, `pytest`,
 * `go test ./...`): one line of printable characters, no control characters. The worker runs it
 * in the agent's sandbox after the agent, and adds the reporter flags it knows for the command.
 */
export const testCommandSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(testCommandMaxLength, `must be at most ${testCommandMaxLength} characters`)
  .refine(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    (value) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value),
    "must be one line without control characters",
  );

const maxRoundsSchema = z.number().int().min(1).max(roundLimits.most);

export const projectSchema = z.strictObject({
  id: projectIdSchema,
  name: line(200).min(1),
  description: text(10_000),
  repository: repositorySchema,
  /**
   * What code generation may cost per calendar month (UTC), in US dollars, summed from the agents'
   * reported usage; null for no limit. Once spent, Generate Code & PR answers 409.
   */
  monthlyBudgetUsd: z.number().positive().max(1_000_000).nullable(),
  /**
   * The command the worker runs after the agent to prove the story done; null to detect it from
   * the repository (`npm test`, `pytest`, `go test ./...`, ...).
   */
  testCommand: testCommandSchema.nullable(),
  /** How many rounds (the first run and each Request changes) one pull request may have. */
  maxRounds: maxRoundsSchema,
  /** When true, a story reaches Done only with every acceptance test Pass; a merge leaves it in Review otherwise. */
  doneRequiresPassingTests: z.boolean(),
  /**
   * On GitHub, a review that requests changes, a comment that mentions the bot or a failing check
   * on the agent's last commit queues the next round by itself (once per commit, up to maxRounds).
   */
  autoRounds: z.boolean(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  version: versionSchema,
});
export type Project = z.infer<typeof projectSchema>;

export const projectCreateSchema = z.strictObject({
  name: line(200).min(1, "must not be empty"),
  description: text(10_000).default(""),
  repository: repositoryInputSchema,
  monthlyBudgetUsd: z.number().positive().max(1_000_000).nullable().default(null),
  /** Admins only, since it runs on the workers; null detects it from the repository. */
  testCommand: testCommandSchema.nullable().default(null),
  maxRounds: maxRoundsSchema.default(roundLimits.default),
  doneRequiresPassingTests: z.boolean().default(true),
  autoRounds: z.boolean().default(false),
});
export type ProjectCreate = z.input<typeof projectCreateSchema>;

export const projectUpdateSchema = z.strictObject({
  /** When given, the update applies only to this version (409 otherwise). */
  version: versionSchema.optional(),
  name: line(200).min(1, "must not be empty").optional(),
  description: text(10_000).optional(),
  repository: z.strictObject({ defaultBranch: branchNameSchema }).optional(),
  /** Admins only; null removes the limit. */
  monthlyBudgetUsd: z.number().positive().max(1_000_000).nullable().optional(),
  /** Admins only; null detects it from the repository again. */
  testCommand: testCommandSchema.nullable().optional(),
  maxRounds: maxRoundsSchema.optional(),
  doneRequiresPassingTests: z.boolean().optional(),
  autoRounds: z.boolean().optional(),
});
export type ProjectUpdate = z.input<typeof projectUpdateSchema>;
