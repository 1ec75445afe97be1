/**
 * @module @aipm/cli: the `aipm` command line.
 */
export { CliError, type CliIo, type Command, commandHelp } from "./commands.ts";
export { type DevTestOptions, type DevTestResult, runDevTest } from "./dev-test.ts";
export { checkHealth, type HealthReport, type HealthTarget, type HealthThresholds } from "./health.ts";
export { runCli } from "./main.ts";
