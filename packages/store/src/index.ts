/**
 * @module @aipm/store: the DynamoDB stores both processes share, with their client, errors, logger
 * and secret source. The local DynamoDB (dynalite) starter is on the `@aipm/store/local` subpath, so
 * a process that never starts one never loads it.
 */

export type { AcceptanceTestResult } from "./acceptance-tests.ts";
export { type AiUsageStore, type AiUsageTotal, dynamoAiUsageStore } from "./ai-usage.ts";
export { type AwsCall, awsCallLogVariable, recordAwsCalls } from "./aws-call-log.ts";
export {
  createDynamo,
  type Dynamo,
  type DynamoOptions,
  ensureTables,
  recordDynamoCalls,
} from "./dynamo.ts";
export { isStoreError, StoreError, type StoreErrorCode } from "./errors.ts";
export {
  dynamoIdempotencyStore,
  type IdempotencyStore,
  IN_PROGRESS_SECONDS,
  type RememberedResponse,
} from "./idempotency.ts";
export { createLogger, type Logger, type LogLevel } from "./logger.ts";
export { dynamoProjectStore, type ProjectStore, presentProject, type StoredProject } from "./projects.ts";
export {
  dynamoLocalPullRequestStore,
  type LocalPullRequest,
  type LocalPullRequestStore,
  type NewLocalPullRequest,
  type PullRequestState,
  type RepositoryKey,
} from "./pull-requests.ts";
export { secretSource } from "./secrets.ts";
export { dynamoStoryStore, type ProjectContents, type StoryRecord, type StoryStore } from "./stories.ts";
export {
  ACTIVE_TASK_PART,
  dynamoTaskStore,
  type NewEvent,
  type QueueStats,
  type TaskStore,
} from "./tasks.ts";
export {
  dynamoTokenStore,
  generateToken,
  hashToken,
  type TokenRecord,
  type TokenRole,
  type TokenStore,
  tokenRoleSchema,
} from "./tokens.ts";
export type { TransactionPart } from "./transactions.ts";
export { dynamoWorkerRegistry, type WorkerRegistry, type WorkerStatus } from "./workers.ts";
