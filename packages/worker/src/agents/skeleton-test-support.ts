/**
 * @module agents/skeleton-test-support: what the skeleton's tests share: one framework of each kind.
 */
import type { TestFramework } from "./detect-framework.ts";

/** Every framework a skeleton is rendered for, with the directories detection gives them. */
export const frameworks = {
  vitestTs: { name: "vitest", language: "typescript", directory: "tests/acceptance" },
  vitestJs: { name: "vitest", language: "javascript", directory: "tests/acceptance" },
  jest: { name: "jest", language: "javascript", directory: "test/acceptance" },
  mocha: { name: "mocha", language: "javascript", directory: "test/acceptance" },
  nodeEsm: { name: "node:test", language: "javascript", directory: "test/acceptance", moduleType: "module" },
  nodeCjs: {
    name: "node:test",
    language: "javascript",
    directory: "test/acceptance",
    moduleType: "commonjs",
  },
  pytest: { name: "pytest", language: "python", directory: "tests/acceptance" },
  go: { name: "go-test", language: "go", directory: "acceptance", packageName: "acceptance" },
  rust: { name: "cargo-test", language: "rust", directory: "tests" },
  junit: { name: "junit5", language: "java", directory: "src/test/java/acceptance" },
  checklist: { name: "checklist", language: "markdown", directory: "acceptance" },
} satisfies Record<string, TestFramework>;
