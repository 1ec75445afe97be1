import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestFramework } from "./detect-framework.ts";
import { oneLine } from "./literals.ts";
import { renderSkeleton, type SkeletonStory, type SkeletonTest } from "./skeleton.ts";

const story: SkeletonStory = {
  id: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
  title: "Reorder stories by drag and drop",
};
const tests: SkeletonTest[] = [
  {
    title: "Dragging a story moves it",
    given: ["Given a backlog with stories A, B and C", "I am signed in as a product owner"],
    when: ["When I drag C above A"],
    then: ["Then the backlog reads C, A, B", "and the order is saved"],
  },
  {
    title: "Keyboard users can reorder too",
    given: ["a story is focused"],
    when: ["I press Alt+Up"],
    then: ["it moves up one place"],
  },
];

const frameworks = {
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

const header = (prefix: string) =>
  [
    `${prefix} Acceptance tests scaffolded by AIPM from the story's Given/When/Then steps:`,
    `${prefix} each test fails until it is implemented.`,
    `${prefix} Story sty_01jdq3m1k9x7v2b8c4n5r6t0yz: Reorder stories by drag and drop`,
  ].join("\n");

const javaScriptBody = `describe("Reorder stories by drag and drop", () => {
  it("Dragging a story moves it", () => {
    // Given a backlog with stories A, B and C
    // And I am signed in as a product owner
    // When I drag C above A
    // Then the backlog reads C, A, B
    // And the order is saved
    throw new Error("Not implemented: Dragging a story moves it");
  });

  it("Keyboard users can reorder too", () => {
    // Given a story is focused
    // When I press Alt+Up
    // Then it moves up one place
    throw new Error("Not implemented: Keyboard users can reorder too");
  });
});
`;

describe("renderSkeleton: the whole file, per framework", () => {
  it("vitest in TypeScript", () => {
    expect(renderSkeleton(frameworks.vitestTs, story, tests)).toEqual({
      path: "tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.ts",
      content: `${header("//")}\n\nimport { describe, it } from "vitest";\n\n${javaScriptBody}`,
    });
  });

  it("vitest in JavaScript differs only in the extension", () => {
    const typescript = renderSkeleton(frameworks.vitestTs, story, tests);
    const javascript = renderSkeleton(frameworks.vitestJs, story, tests);
    expect(javascript.path).toBe("tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js");
    expect(javascript.content).toBe(typescript.content);
  });

  it.each([
    ["jest", frameworks.jest, ""],
    ["mocha", frameworks.mocha, ""],
    ["node:test as an ES module", frameworks.nodeEsm, 'import { describe, it } from "node:test";\n\n'],
    ["node:test as CommonJS", frameworks.nodeCjs, 'const { describe, it } = require("node:test");\n\n'],
  ])("%s: the same tests, with the framework's own import or its globals", (_, framework, imports) => {
    expect(renderSkeleton(framework, story, tests)).toEqual({
      path: "test/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js",
      content: `${header("//")}\n\n${imports}${javaScriptBody}`,
    });
  });

  it("pytest", () => {
    expect(renderSkeleton(frameworks.pytest, story, tests)).toEqual({
      path: "tests/acceptance/test_reorder_stories_by_drag_and_drop_n5r6t0yz.py",
      content: `${header("#")}

import pytest


def test_dragging_a_story_moves_it():
    # Given a backlog with stories A, B and C
    # And I am signed in as a product owner
    # When I drag C above A
    # Then the backlog reads C, A, B
    # And the order is saved
    pytest.fail("Not implemented: Dragging a story moves it")


def test_keyboard_users_can_reorder_too():
    # Given a story is focused
    # When I press Alt+Up
    # Then it moves up one place
    pytest.fail("Not implemented: Keyboard users can reorder too")
`,
    });
  });

  it("go test", () => {
    expect(renderSkeleton(frameworks.go, story, tests)).toEqual({
      path: "acceptance/reorder_stories_by_drag_and_drop_n5r6t0yz_test.go",
      content: `${header("//")}

package acceptance

import "testing"

func TestReorderStoriesByDragAndDropN5r6t0yz(t *testing.T) {
\tt.Run("Dragging a story moves it", func(t *testing.T) {
\t\t// Given a backlog with stories A, B and C
\t\t// And I am signed in as a product owner
\t\t// When I drag C above A
\t\t// Then the backlog reads C, A, B
\t\t// And the order is saved
\t\tt.Fatalf("Not implemented: %s", "Dragging a story moves it")
\t})

\tt.Run("Keyboard users can reorder too", func(t *testing.T) {
\t\t// Given a story is focused
\t\t// When I press Alt+Up
\t\t// Then it moves up one place
\t\tt.Fatalf("Not implemented: %s", "Keyboard users can reorder too")
\t})
}
`,
    });
  });

  it("cargo test", () => {
    expect(renderSkeleton(frameworks.rust, story, tests)).toEqual({
      path: "tests/acceptance_reorder_stories_by_drag_and_drop_n5r6t0yz.rs",
      content: `${header("//")}

#[test]
fn test_dragging_a_story_moves_it() {
    // Given a backlog with stories A, B and C
    // And I am signed in as a product owner
    // When I drag C above A
    // Then the backlog reads C, A, B
    // And the order is saved
    panic!("Not implemented: Dragging a story moves it");
}

#[test]
fn test_keyboard_users_can_reorder_too() {
    // Given a story is focused
    // When I press Alt+Up
    // Then it moves up one place
    panic!("Not implemented: Keyboard users can reorder too");
}
`,
    });
  });

  it("JUnit 5", () => {
    expect(renderSkeleton(frameworks.junit, story, tests)).toEqual({
      path: "src/test/java/acceptance/ReorderStoriesByDragAndDropN5r6t0yzTest.java",
      content: `${header("//")}

package acceptance;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reorder stories by drag and drop")
class ReorderStoriesByDragAndDropN5r6t0yzTest {
    @Test
    @DisplayName("Dragging a story moves it")
    void testDraggingAStoryMovesIt() {
        // Given a backlog with stories A, B and C
        // And I am signed in as a product owner
        // When I drag C above A
        // Then the backlog reads C, A, B
        // And the order is saved
        fail("Not implemented: Dragging a story moves it");
    }

    @Test
    @DisplayName("Keyboard users can reorder too")
    void testKeyboardUsersCanReorderToo() {
        // Given a story is focused
        // When I press Alt+Up
        // Then it moves up one place
        fail("Not implemented: Keyboard users can reorder too");
    }
}
`,
    });
  });

  it("a Markdown checklist when no framework is recognised", () => {
    expect(renderSkeleton(frameworks.checklist, story, tests)).toEqual({
      path: "acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.md",
      content: `# Acceptance checklist: Reorder stories by drag and drop

Story \`sty_01jdq3m1k9x7v2b8c4n5r6t0yz\`. Scaffolded by AIPM from the story's Given/When/Then steps, because no test framework was recognised: tick an item once an automated test covers it.

- [ ] Dragging a story moves it
  - Given a backlog with stories A, B and C
  - And I am signed in as a product owner
  - When I drag C above A
  - Then the backlog reads C, A, B
  - And the order is saved
- [ ] Keyboard users can reorder too
  - Given a story is focused
  - When I press Alt+Up
  - Then it moves up one place
`,
    });
  });
});

describe("renderSkeleton: names", () => {
  it("is deterministic: the same input gives the same bytes", () => {
    for (const framework of Object.values(frameworks)) {
      const first = renderSkeleton(framework, story, tests);
      const again = renderSkeleton(framework, structuredClone(story), structuredClone(tests));
      expect(again).toEqual(first);
    }
  });

  it("gives two stories with one title two files, by the id suffix", () => {
    const other = { ...story, id: "sty_01jdq3m1k9x7v2b8c4n5r6t0z0" };
    for (const framework of Object.values(frameworks)) {
      expect(renderSkeleton(framework, other, tests).path).not.toBe(
        renderSkeleton(framework, story, tests).path,
      );
    }
  });

  it("makes file names ASCII and short whatever the title", () => {
    const long = { ...story, title: `Crème brûlée: ${"very ".repeat(40)}long title / with ../ slashes` };
    expect(renderSkeleton(frameworks.vitestTs, long, tests).path).toBe(
      "tests/acceptance/creme-brulee-very-very-very-very-very-very-very-very-very-n5r6t0yz.test.ts",
    );
    const symbols = { ...story, title: "🚀 !!! 🎉" };
    expect(renderSkeleton(frameworks.vitestTs, symbols, tests).path).toBe(
      "tests/acceptance/n5r6t0yz.test.ts",
    );
    expect(renderSkeleton(frameworks.junit, symbols, tests).path).toBe(
      "src/test/java/acceptance/StoryN5r6t0yzTest.java",
    );
    const digits = { ...story, title: "2 factor login" };
    expect(renderSkeleton(frameworks.go, digits, tests).content).toContain(
      "func TestStory2FactorLoginN5r6t0yz(",
    );
  });

  it("keeps test names unique where the language needs unique identifiers", () => {
    const repeated: SkeletonTest[] = [
      { title: "Saves", given: ["a"], when: ["b"], then: ["c"] },
      { title: "Saves!", given: ["a"], when: ["b"], then: ["c"] },
      { title: "Saves 2", given: ["a"], when: ["b"], then: ["c"] },
      { title: "😀", given: ["a"], when: ["b"], then: ["c"] },
    ];
    const python = renderSkeleton(frameworks.pytest, story, repeated).content;
    expect(python.match(/^def \w+/gm)).toEqual([
      "def test_saves",
      "def test_saves_2",
      "def test_saves_2_2",
      "def test_scenario_4",
    ]);
    const java = renderSkeleton(frameworks.junit, story, repeated).content;
    expect(java.match(/void \w+/g)).toEqual([
      "void testSaves",
      "void testSaves2",
      "void testSaves22",
      "void testScenario4",
    ]);
    const rust = renderSkeleton(frameworks.rust, story, repeated).content;
    expect(rust.match(/^fn \w+/gm)).toEqual([
      "fn test_saves",
      "fn test_saves_2",
      "fn test_saves_2_2",
      "fn test_scenario_4",
    ]);
  });

  it("says so when a test has no steps, and names an untitled one by its place", () => {
    const bare: SkeletonTest[] = [{ title: "  ", given: [], when: [" "], then: [] }];
    expect(renderSkeleton(frameworks.vitestTs, story, bare).content).toContain(
      '  it("Acceptance test 1", () => {\n    // No Given/When/Then steps written yet.\n',
    );
  });
});

/** Titles and steps that break naive code generation in at least one language. */
const hostileStory: SkeletonStory = {
  id: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a would-be interpolation, to prove it stays inert
  title: '# -*- coding: latin-1 -*- "story" `${x}` */ \\u000a',
};
const hostileTexts = [
  'Quotes "double" and \'single\' and """triple"""',
  "Backslash \\ and trailing \\",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a would-be interpolation, to prove it stays inert
  "Backticks `x` and ${process.exit(1)} and {braces} and %s %d and {{}}",
  "Closers */ /* --> and \\u000a } class Broken { and \\u0022",
  "Line\nbreak\r\nand\u2028separator\u2029and\u0085next",
  "Controls \u0000 \u0007 \u001b[31m \u007f",
  "Unicode: Crème brûlée, 日本語, 👩‍💻, RTL \u202eevil\u202c, BOM \ufeff, lone \ud800",
];
const hostileTests: SkeletonTest[] = hostileTexts.map((text) => ({
  title: text,
  given: [text, `and ${text}`],
  when: [text],
  then: [`Then ${text}`],
}));
const notImplemented = hostileTexts.map((text) => `Not implemented: ${oneLine(text)}`);

function run(command: string, args: string[], cwd: string) {
  return spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1" },
  });
}

describe("renderSkeleton: hostile titles and steps still give valid source", () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "aipm-skeleton-"));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** Writes the skeleton under a fresh folder of `workDir` and returns that folder and the file. */
  async function materialise(framework: TestFramework, extra: Record<string, string> = {}) {
    const root = await mkdtemp(path.join(workDir, `${framework.name.replace(/\W/g, "")}-`));
    const skeleton = renderSkeleton(framework, hostileStory, hostileTests);
    const files: [string, string][] = [...Object.entries(extra), [skeleton.path, skeleton.content]];
    for (const [name, content] of files) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), content);
    }
    return { root, file: path.join(root, skeleton.path), skeleton };
  }

  it("TypeScript: parses without diagnostics, and every string keeps its value", () => {
    const { content } = renderSkeleton(frameworks.vitestTs, hostileStory, hostileTests);
    const transpiled = ts.transpileModule(content, {
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    expect(transpiled.diagnostics).toEqual([]);

    const source = ts.createSourceFile("x.test.ts", content, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const calls: Record<string, string[]> = { describe: [], it: [], Error: [] };
    const visit = (node: ts.Node): void => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && ts.isIdentifier(node.expression)) {
        const argument = node.arguments?.[0];
        if (argument && ts.isStringLiteral(argument)) calls[node.expression.text]?.push(argument.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    expect(calls).toEqual({
      describe: [oneLine(hostileStory.title)],
      it: hostileTexts.map(oneLine),
      Error: notImplemented,
    });
    // Only the header, the import and the calls are code: every step stayed inside a comment.
    expect(source.statements.map((statement) => ts.SyntaxKind[statement.kind])).toEqual([
      "ImportDeclaration",
      "ExpressionStatement",
    ]);
  });

  it.each([
    ["vitest", frameworks.vitestJs, { "package.json": '{ "type": "module" }' }],
    ["jest", frameworks.jest, {}],
    ["mocha", frameworks.mocha, {}],
    ["node:test as an ES module", frameworks.nodeEsm, { "package.json": '{ "type": "module" }' }],
    ["node:test as CommonJS", frameworks.nodeCjs, { "package.json": '{ "type": "commonjs" }' }],
  ])("JavaScript for %s passes node --check", async (_, framework, extra) => {
    const { root, file } = await materialise(framework, extra);
    const result = run(process.execPath, ["--check", file], root);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.each([
    ["an ES module", frameworks.nodeEsm, '{ "type": "module" }'],
    ["CommonJS", frameworks.nodeCjs, '{ "type": "commonjs" }'],
  ])(
    "node:test as %s fails every test with its message under node --test",
    async (_, framework, manifest) => {
      const { root, file } = await materialise(framework, { "package.json": manifest });
      const result = run(process.execPath, ["--test", "--test-reporter=tap", file], root);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`# fail ${hostileTests.length}`);
      expect(result.stdout).toContain("Not implemented: Backslash");
    },
  );

  it("Python: compiles, keeps its values, and pytest fails every test", async () => {
    const { root, file } = await materialise(frameworks.pytest);
    // One interpreter start: byte-compile the file, then read back the message of every call.
    const checked = run(
      "python3",
      [
        "-c",
        [
          "import ast, json, py_compile, sys",
          "py_compile.compile(sys.argv[1], doraise=True)",
          "tree = ast.parse(open(sys.argv[1], encoding='utf-8').read())",
          "calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]",
          "print(json.dumps([c.args[0].value for c in calls]))",
        ].join("\n"),
        file,
      ],
      root,
    );
    expect(checked.stderr).toBe("");
    expect(JSON.parse(checked.stdout)).toEqual(notImplemented);

    const pytest = run("python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider", file], root);
    if (pytest.stderr.includes("No module named pytest")) return;
    expect(pytest.status).toBe(1);
    expect(pytest.stdout).toContain(`${hostileTests.length} failed`);
    expect(pytest.stdout).toContain("Failed: Not implemented: Backslash \\ and trailing \\");
  }, 60_000);

  it("Rust: compiles without warnings, and every test panics with its message", async () => {
    const { root, file } = await materialise(frameworks.rust);
    const compiled = run(
      "rustc",
      ["--edition", "2021", "--test", "-D", "warnings", "-o", "tests.bin", file],
      root,
    );
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
    const tested = run(path.join(root, "tests.bin"), ["--test-threads=1"], root);
    expect(tested.status).toBe(101);
    expect(tested.stdout).toContain(`0 passed; ${hostileTests.length} failed`);
    for (const message of notImplemented)
      expect(tested.stdout).toContain(message.replace("\ud800", "\ufffd"));
  }, 60_000);

  it("Java: is pure ASCII and compiles against JUnit 5's API", async () => {
    // The three JUnit 5 types the skeleton uses, so javac can check it without downloading JUnit.
    const junit = "stubs/org/junit/jupiter/api";
    const { root, file, skeleton } = await materialise(frameworks.junit, {
      [`${junit}/Test.java`]: "package org.junit.jupiter.api;\npublic @interface Test {}\n",
      [`${junit}/DisplayName.java`]:
        "package org.junit.jupiter.api;\npublic @interface DisplayName { String value(); }\n",
      [`${junit}/Assertions.java`]:
        "package org.junit.jupiter.api;\npublic final class Assertions {\n  public static <V> V fail(String message) { throw new AssertionError(message); }\n}\n",
    });
    expect(skeleton.content).toMatch(/^[\x20-\x7e\n]*$/);
    const compiled = run(
      "javac",
      [
        "-encoding",
        "US-ASCII",
        "-Xlint:all",
        "-Werror",
        "-d",
        "classes",
        file,
        ...["Test", "DisplayName", "Assertions"].map((name) => `${junit}/${name}.java`),
      ],
      root,
    );
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
    expect(skeleton.content.match(/^ {4}void \w+\(\)/gm)).toHaveLength(hostileTests.length);
  }, 60_000);

  it("Markdown: every line of user text stays inside its list item", () => {
    const { content } = renderSkeleton(frameworks.checklist, hostileStory, hostileTests);
    const lines = content.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^# Acceptance checklist: /);
    expect(lines.slice(4).every((line) => line.startsWith("- [ ] ") || line.startsWith("  - "))).toBe(true);
    expect(lines.slice(4).filter((line) => line.startsWith("- [ ] "))).toHaveLength(hostileTests.length);
    const raw = [...content].filter((char) => /[\p{Cc}\u2028\u2029\u202e]/u.test(char) && char !== "\n");
    expect(raw).toEqual([]);
  });

  it("puts no user text on the first two lines, where Python reads a coding declaration", () => {
    const { checklist: _markdown, ...sourceFrameworks } = frameworks;
    for (const framework of Object.values(sourceFrameworks)) {
      const { content } = renderSkeleton(framework, hostileStory, hostileTests);
      expect(content.split("\n").slice(0, 2).join("\n")).not.toContain("coding");
    }
  });
});
