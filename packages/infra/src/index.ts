/**
 * @module @aipm/infra: Pulumi components, policies and pure helpers for an AIPM environment.
 */
export {
  type AccessGrants,
  accessPolicy,
  apiTables,
  type PolicyDocument,
  type PolicyStatement,
  tableDataActions,
  workerTables,
} from "./access-policies.ts";
export { type BuildFixtures, writeBuildFixtures } from "./build-fixtures.ts";
export { AipmEnvironment, type AipmEnvironmentArgs } from "./components/aipm-environment.ts";
export { Api, type ApiArgs } from "./components/api.ts";
export {
  CiAccess,
  type CiAccessArgs,
  CiBootstrap,
  type CiBootstrapArgs,
  type CiEnvironment,
} from "./components/ci-access.ts";
export { Data, type DataArgs } from "./components/data.ts";
export {
  type GithubPlan,
  GithubRepository,
  type GithubRepositoryArgs,
  githubAdminTokenKey,
  githubPlanFeatures,
  githubPlans,
  parseGithubPlan,
  requireGithubAdminToken,
} from "./components/github-repository.ts";
export { Secrets, type SecretsArgs } from "./components/secrets.ts";
export { WebHosting, type WebHostingArgs } from "./components/web-hosting.ts";
export { WorkerFleet, type WorkerFleetArgs } from "./components/worker-fleet.ts";
export {
  defaultApiMemoryMb,
  defaultAssociatePublicIpAddress,
  defaultGithubBranch,
  defaultLogRetentionDays,
  defaultPriceClass,
  defaultRequiredCheck,
  defaultSecretRecoveryWindowInDays,
  defaultTargetBacklogPerWorker,
  defaultWorkerInstanceType,
  noDataProtection,
} from "./defaults.ts";
export {
  ciArns,
  ciIamPath,
  ciNames,
  type DeployScope,
  deployBoundaryPolicy,
  deployDenyStatements,
  deployPolicy,
  previewPolicy,
} from "./deploy-policy.ts";
export {
  deployGrantsByResourceType,
  evaluatePolicy,
  iamPatternMatches,
  type PolicyDecision,
  type RequiredGrant,
  unmappedResourceTypes,
} from "./deploy-resource-types.ts";
export { forwardedAuthorizationHeader } from "./edge-code.ts";
export {
  type CapturedResource,
  type MockDeployment,
  mockAccount,
  mockRegion,
  outputValue,
  readProjectFile,
  readStackConfig,
  startMockDeployment,
} from "./mock-deployment.ts";
export { aipmPolicies, type PolicySubject, policyViolations } from "./policies.ts";
export { type PrivateBucket, privateBucket } from "./private-bucket.ts";
export { type LoadedProgram, loadProgramLikePulumi } from "./program-loader.ts";
export { queueDepthMetric } from "./queue-metric.ts";
export {
  aipmStackProgram,
  defaultBuildOutputs,
  type StackConfig,
  type StackName,
  type StackOutputs,
  type StackProfile,
  stackProfiles,
} from "./stack-program.ts";
export { type TableProtection, tableArgs } from "./table-args.ts";
export {
  type GithubJobSubject,
  githubActionsTrustPolicy,
  githubSubject,
  githubTrustViolations,
  serviceTrustPolicy,
} from "./trust-policies.ts";
export { workerUserData } from "./user-data.ts";
