/**
 * @module ops-env: the settings the operations commands read from the environment, read once per
 * command from the environment it was given (never from `process.env` directly).
 */

export type Env = Record<string, string | undefined>;

export interface OpsEnv {
  /** Bearer token for the API's queue and task routes (`AIPM_API_TOKEN`). */
  apiToken: string | undefined;
  /** A shell command that replaces `pnpm turbo run build` (`AIPM_BUILD_COMMAND`). */
  buildCommand: string | undefined;
  /** A shell command that replaces `pnpm install --frozen-lockfile` in a rollback's worktree (`AIPM_INSTALL_COMMAND`). */
  installCommand: string | undefined;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`. */
  awsRegion: string | undefined;
  /** Another Auto Scaling endpoint, e.g. a VPC endpoint or a test double (`AIPM_AWS_ENDPOINT`). */
  awsEndpoint: string | undefined;
  /** Credentials given in the environment; otherwise the AWS SDK's default chain finds them. */
  awsCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

const nonEmpty = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/**
 * Reads the operations settings from `env`.
 *
 * @example const ops = readOpsEnv(io.env); if (!ops.apiToken) io.out("queue checks skipped\n");
 */
export function readOpsEnv(env: Env): OpsEnv {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  return {
    apiToken: nonEmpty(env.AIPM_API_TOKEN),
    buildCommand: nonEmpty(env.AIPM_BUILD_COMMAND),
    installCommand: nonEmpty(env.AIPM_INSTALL_COMMAND),
    awsRegion: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    awsEndpoint: nonEmpty(env.AIPM_AWS_ENDPOINT),
    awsCredentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
        : undefined,
  };
}
