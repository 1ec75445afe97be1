/**
 * @module agents/skeleton-hostile.test: titles and steps that break naive code generation still give
 * skeletons that parse, compile and keep every string's value, in every language.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestFramework } from "./detect-framework.ts";
import { oneLine } from "./literals.ts";
import { renderSkeleton, type SkeletonStory, type SkeletonTest } from "./skeleton.ts";
import { frameworks } from "./skeleton-test-support.ts";

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

describe("renderSkeleton: hostile titles and steps still give valid source", () => {
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
});

describe("renderSkeleton: hostile titles and steps still compile", () => {
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
});

describe("renderSkeleton: hostile titles and steps stay in their place", () => {
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
