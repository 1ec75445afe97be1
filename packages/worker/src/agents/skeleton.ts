/**
 * @module skeleton: acceptance-test skeleton files rendered from a story's Given/When/Then. No I/O.
 */
import { type AcceptanceTest, type Story, slugify } from "@aipm/shared";
import type { TestFramework } from "./detect-framework.ts";
import { javaCommentText, markdownCode, markdownText, oneLine, stringLiteral } from "./literals.ts";

/** A file to write: `path` relative to the worktree with `/` separators, and its whole content. */
export interface Skeleton {
  path: string;
  content: string;
}

export type SkeletonStory = Pick<Story, "id" | "title">;
/**
 * An acceptance test to render; with its `id`, each test's name carries the id (`[act_…]` in a
 * name, `_act_…` in an identifier), which is how the worker maps the runner's results back to it.
 */
export type SkeletonTest = Pick<AcceptanceTest, "title" | "given" | "when" | "then"> & { id?: string };

/** A well-formed acceptance test id: nothing else goes into a name. */
const acceptanceTestId = /^act_[0-9a-hjkmnp-tv-z]{26}$/;

/** Longest title slug in a file or test name: enough to recognise it, short enough to read. */
const maxSlugLength = 60;

/** Where the lines of a file start: fixed, so no title can become Python's `# coding:` line. */
const headerLines = [
  "Acceptance tests scaffolded by AIPM from the story's Given/When/Then steps:",
  "each test fails until it is implemented.",
];

interface Scenario {
  /** One line, not yet escaped. */
  title: string;
  /** Given/When/Then lines, one-lined, not yet escaped. */
  steps: string[];
  /** Lower-case words of the title, for identifiers. */
  words: string[];
  /** The acceptance test's id, when it has a well-formed one. */
  id: string | null;
}

/** The test's name as a runner reports it: its title, then its id in brackets. */
const testName = (scenario: Scenario) =>
  scenario.id ? `${scenario.title} [${scenario.id}]` : scenario.title;
/** An identifier's ending that carries the id: `_act_…`. */
const idSuffix = (scenario: Scenario) => (scenario.id ? `_${scenario.id}` : "");

interface StoryNames {
  title: string;
  id: string;
  words: string[];
  /** The story id's last eight letters and digits: two stories with one title get two files. */
  idSuffix: string;
}

/**
 * The skeleton for one story in `framework`: one test per acceptance test, in the order given,
 * named after its title, its steps as comments (`And` for a kind's second and later steps) and
 * a body that fails with "Not implemented: <title>". The same input always gives the same bytes.
 *
 * @example renderSkeleton({ name: "pytest", language: "python", directory: "tests/acceptance" }, story, tests).path
 * // "tests/acceptance/test_reorder_stories_n5r6t0yz.py" for story sty_01jdq3m1k9x7v2b8c4n5r6t0yz, "Reorder stories"
 */
export function renderSkeleton(
  framework: TestFramework,
  story: SkeletonStory,
  tests: readonly SkeletonTest[],
): Skeleton {
  const names: StoryNames = {
    title: oneLine(story.title) || "(untitled)",
    id: oneLine(story.id),
    words: titleWords(story.title),
    idSuffix:
      story.id
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")
        .slice(-8) || "story",
  };
  const scenarios = tests.map((test, index): Scenario => {
    const title = oneLine(test.title) || `Acceptance test ${index + 1}`;
    const id = test.id && acceptanceTestId.test(test.id) ? test.id : null;
    return { title, steps: stepLines(test), words: titleWords(title), id };
  });
  const kebab = [...names.words, names.idSuffix].join("-");
  const snake = [...names.words, names.idSuffix].join("_");
  const r: Rendering = {
    names,
    scenarios,
    kebab,
    snake,
    file: (name, sections) => ({
      path: `${framework.directory}/${name}`,
      content: `${sections.join("\n\n")}\n`,
    }),
    header: (prefix) => comment(prefix, [...headerLines, `Story ${names.id}: ${names.title}`]),
  };
  switch (framework.name) {
    case "vitest":
    case "jest":
    case "mocha":
    case "node:test":
      return renderJavaScript(r, framework);
    case "pytest":
      return renderPytest(r);
    case "go-test":
      return renderGoTest(r, framework);
    case "cargo-test":
      return renderCargoTest(r);
    case "junit5":
      return renderJunit5(r);
    case "checklist":
      return renderChecklist(r);
  }
}

/** What every framework's renderer draws on. */
interface Rendering {
  names: StoryNames;
  scenarios: Scenario[];
  /** The story's title words and id suffix, joined by `-` and by `_`, for file names. */
  kebab: string;
  snake: string;
  /** A file in the framework's directory, its sections separated by blank lines. */
  file(name: string, sections: string[]): Skeleton;
  /** The fixed header lines and the story, as comments starting with `prefix`. */
  header(prefix: string): string;
}

/** `lines` as comments starting with `prefix`. */
function comment(prefix: string, lines: string[]): string {
  return lines.map((line) => `${prefix} ${line}`).join("\n");
}

/** The skeleton for JavaScript frameworks: vitest, jest, mocha and node:test. */
function renderJavaScript(
  r: Rendering,
  framework: Extract<TestFramework, { name: "vitest" | "jest" | "mocha" | "node:test" }>,
): Skeleton {
  const js = (text: string) => stringLiteral(framework.language, text);
  const blocks = r.scenarios.map((scenario) =>
    [
      `  it(${js(testName(scenario))}, () => {`,
      comment("    //", scenario.steps),
      `    throw new Error(${js(`Not implemented: ${scenario.title}`)});`,
      "  });",
    ].join("\n"),
  );
  const extension = framework.language === "typescript" ? "ts" : "js";
  return r.file(`${r.kebab}.test.${extension}`, [
    r.header("//"),
    ...javaScriptImports(framework),
    `describe(${js(r.names.title)}, () => {\n${blocks.join("\n\n")}\n});`,
  ]);
}

/** The skeleton for pytest. */
function renderPytest(r: Rendering): Skeleton {
  const functions = uniqueNames(
    r.scenarios.map((s, i) => `test_${identifier(s.words, "_", i)}${idSuffix(s)}`),
    "_",
  );
  const blocks = r.scenarios.map((scenario, index) =>
    [
      `def ${functions[index]}():`,
      comment("    #", scenario.steps),
      `    pytest.fail(${stringLiteral("python", `Not implemented: ${scenario.title}`)})`,
    ].join("\n"),
  );
  return r.file(`test_${r.snake}.py`, [r.header("#"), "import pytest", `\n${blocks.join("\n\n\n")}`]);
}

/** The skeleton for `go test`. */
function renderGoTest(r: Rendering, framework: Extract<TestFramework, { name: "go-test" }>): Skeleton {
  const go = (text: string) => stringLiteral("go", text);
  const subtests = r.scenarios.map((scenario) =>
    [
      `\tt.Run(${go(testName(scenario))}, func(t *testing.T) {`,
      comment("\t\t//", scenario.steps),
      // The title is an argument, not the format: go vet (run by go test) rejects a stray % there.
      `\t\tt.Fatalf("Not implemented: %s", ${go(scenario.title)})`,
      "\t})",
    ].join("\n"),
  );
  return r.file(`${r.snake}_test.go`, [
    r.header("//"),
    `package ${framework.packageName}`,
    'import "testing"',
    `func Test${className(r.names)}(t *testing.T) {\n${subtests.join("\n\n")}\n}`,
  ]);
}

/** The skeleton for `cargo test`. */
function renderCargoTest(r: Rendering): Skeleton {
  const functions = uniqueNames(
    r.scenarios.map((s, i) => `test_${identifier(s.words, "_", i)}${idSuffix(s)}`),
    "_",
  );
  const blocks = r.scenarios.map((scenario, index) => {
    // panic! reads its first argument as a format string, where braces are placeholders.
    const message = `Not implemented: ${scenario.title}`.replace(/[{}]/g, "$&$&");
    return [
      "#[test]",
      `fn ${functions[index]}() {`,
      comment("    //", scenario.steps),
      `    panic!(${stringLiteral("rust", message)});`,
      "}",
    ].join("\n");
  });
  return r.file(`acceptance_${r.snake}.rs`, [r.header("//"), ...blocks]);
}

/** The skeleton for JUnit 5. */
function renderJunit5(r: Rendering): Skeleton {
  const java = (text: string) => stringLiteral("java", text);
  const methods = uniqueNames(
    r.scenarios.map((s, i) => `test${pascal(identifier(s.words, "-", i))}${idSuffix(s)}`),
    "",
  );
  const blocks = r.scenarios.map((scenario, index) =>
    [
      "    @Test",
      `    @DisplayName(${java(testName(scenario))})`,
      `    void ${methods[index]}() {`,
      comment("        //", scenario.steps.map(javaCommentText)),
      `        fail(${java(`Not implemented: ${scenario.title}`)});`,
      "    }",
    ].join("\n"),
  );
  const name = `${className(r.names)}Test`;
  return r.file(`${name}.java`, [
    comment("//", [...headerLines, javaCommentText(`Story ${r.names.id}: ${r.names.title}`)]),
    "package acceptance;",
    "import static org.junit.jupiter.api.Assertions.fail;",
    "import org.junit.jupiter.api.DisplayName;\nimport org.junit.jupiter.api.Test;",
    `@DisplayName(${java(r.names.title)})\nclass ${name} {\n${blocks.join("\n\n")}\n}`,
  ]);
}

/** The skeleton for the Markdown checklist. */
function renderChecklist(r: Rendering): Skeleton {
  const items = r.scenarios.map((scenario) =>
    [
      `- [ ] ${markdownText(scenario.title)}${scenario.id ? ` (${markdownCode(scenario.id)})` : ""}`,
      ...scenario.steps.map((step) => `  - ${markdownText(step)}`),
    ].join("\n"),
  );
  return r.file(`${r.kebab}.md`, [
    `# Acceptance checklist: ${markdownText(r.names.title)}`,
    `Story ${markdownCode(r.names.id)}. Scaffolded by AIPM from the story's Given/When/Then steps, ` +
      "because no test framework was recognised: tick an item once an automated test covers it.",
    items.join("\n"),
  ]);
}

function javaScriptImports(framework: TestFramework): string[] {
  if (framework.name === "vitest") return ['import { describe, it } from "vitest";'];
  if (framework.name !== "node:test") return []; // jest and mocha provide describe and it as globals
  return framework.moduleType === "module"
    ? ['import { describe, it } from "node:test";']
    : ['const { describe, it } = require("node:test");'];
}

type StepKind = "given" | "when" | "then";
const stepKinds: readonly StepKind[] = ["given", "when", "then"];
const stepKeywords: Record<StepKind, string> = { given: "Given", when: "When", then: "Then" };

/** A test's steps as `Given`/`When`/`Then` lines, each kind's second and later steps as `And`. */
function stepLines(test: SkeletonTest): string[] {
  const lines = stepKinds.flatMap((kind) =>
    test[kind]
      .map((step) => oneLine(withoutKeyword(step, kind)))
      .filter((step) => step !== "")
      .map((step, index) => `${index === 0 ? stepKeywords[kind] : "And"} ${step}`),
  );
  return lines.length > 0 ? lines : ["No Given/When/Then steps written yet."];
}

/** Authors often type the keyword themselves ("Given a user…"); keep it from appearing twice. */
function withoutKeyword(step: string, kind: StepKind): string {
  const stripped = step.replace(new RegExp(`^\\s*(?:${kind}|and|but)\\s+`, "i"), "");
  return stripped.trim() === "" ? step : stripped;
}

function titleWords(title: string): string[] {
  return slugify(title, maxSlugLength).split("-").filter(Boolean);
}

/** The title's words joined by `separator`, or `scenario<separator><n>` for a title with none. */
function identifier(words: readonly string[], separator: string, index: number): string {
  return words.length > 0 ? words.join(separator) : `scenario${separator}${index + 1}`;
}

function pascal(kebab: string): string {
  return kebab
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** A Java class or Go test name: the title in PascalCase, starting with a letter, then the id suffix. */
function className(names: StoryNames): string {
  const title = pascal(names.words.join("-"));
  return `${/^[A-Z]/.test(title) ? title : `Story${title}`}${pascal(names.idSuffix)}`;
}

/** `names` with repeats made unique by a counter (`_2`, `_3`, …), keeping the first as it is. */
function uniqueNames(names: readonly string[], separator: string): string[] {
  const used = new Set<string>();
  return names.map((base) => {
    let name = base;
    for (let counter = 2; used.has(name); counter++) name = `${base}${separator}${counter}`;
    used.add(name);
    return name;
  });
}
