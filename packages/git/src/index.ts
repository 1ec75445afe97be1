/**
 * @module @aipm/git: the one git runner every package uses.
 */
export {
  DEFAULT_GIT_MAX_BUFFER,
  DEFAULT_GIT_TIMEOUT_MS,
  GitError,
  type GitErrorDetails,
  type GitOptions,
  gitEnvironment,
  redact,
  runGit,
} from "./git.ts";
