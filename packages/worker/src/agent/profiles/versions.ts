/**
 * @module agent/profiles/versions: the agent CLI releases on npm that the profiles were checked
 * against. The data lives in @aipm/shared (`agent-versions.ts`), where the worker fleet's
 * infrastructure reads it too; the install commands shown to operators use it, and the
 * conformance suite installs exactly these (a test there keeps its lockfile equal to this list).
 */
export { npmInstall, pinnedAgentPackages } from "@aipm/shared";
