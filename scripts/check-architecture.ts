/**
 * Checks the rules the package graph and the code's size keep, and exits 1 naming each breach:
 *
 * - a package imports only the workspace packages it declares, and declares only those its layer
 *   allows (`shared ← store ← {api, worker} ← cli`; the web app on `shared` alone);
 * - no import reaches into another package's folder by a relative path;
 * - the web app imports `@aipm/shared`'s index for types only (its values come from the zod-free
 *   subpaths), so zod never reaches the browser bundle;
 * - no source file is over 400 lines, and no function in the worker's sources over 80 lines.
 *
 * Run by `pnpm test` (as //#architecture:check); `--self-test` shows each rule catching a breach.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The workspace packages each package may depend on. A test-only edge that would close a cycle is
 * not declared: the API's tests reach `@aipm/testing` through an alias (see packages/api/vitest.config.ts).
 */
const allowedDependencies: Record<string, readonly string[]> = {
  shared: [],
  git: [],
  store: ["shared"],
  api: ["shared", "store", "git"],
  worker: ["shared", "store", "git", "testing"],
  cli: ["shared", "store", "git", "api", "worker"],
  web: ["shared"],
  infra: ["shared"],
  testing: ["shared", "store", "git", "api"],
  "agent-conformance": ["shared", "worker", "testing"],
};

/** Undeclared imports a package may make, each with the reason the graph cannot hold it. */
const undeclaredImports: Record<string, readonly string[]> = {
  // @aipm/testing depends on the API; the API's own tests take it through an alias.
  api: ["testing"],
};

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
/** Where the function length limit holds. */
const FUNCTION_LIMIT_DIRS = ["packages/worker/src"];

export interface SourceFile {
  /** Path from the repository root, with `/`. */
  path: string;
  text: string;
}

export interface PackageInfo {
  /** The folder name under packages/ (`api`), which is also the name after `@aipm/`. */
  name: string;
  /** Workspace packages its package.json declares, by folder name. */
  declared: string[];
  files: SourceFile[];
}

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".turbo", "coverage"]);

function listFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(entry) || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...listFiles(path));
    else if (SOURCE.test(entry) && !entry.endsWith(".d.ts")) found.push(path);
  }
  return found;
}

/** Every package under packages/, with its declared workspace dependencies and its source files. */
export function readPackages(root = ROOT): PackageInfo[] {
  const packagesDir = join(root, "packages");
  return readdirSync(packagesDir)
    .filter((name) => statSync(join(packagesDir, name, "package.json"), { throwIfNoEntry: false }))
    .map((name) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8"));
      const declared = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
        .filter((dependency) => dependency.startsWith("@aipm/"))
        .map((dependency) => dependency.slice("@aipm/".length));
      const files = listFiles(join(packagesDir, name)).map((path) => ({
        path: relative(root, path).split(sep).join("/"),
        text: readFileSync(path, "utf8"),
      }));
      return { name, declared, files };
    });
}

interface ImportSite {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

function importsOf(file: SourceFile): ImportSite[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node, specifier: ts.Expression, typeOnly: boolean) => {
    if (!ts.isStringLiteral(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    sites.push({ specifier: specifier.text, typeOnly, line });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0]
    ) {
      add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** The import rules' breaches, one readable line each. */
export function importBreaches(packages: readonly PackageInfo[]): string[] {
  const breaches: string[] = [];
  for (const pkg of packages) {
    const allowed = allowedDependencies[pkg.name];
    if (!allowed) {
      breaches.push(
        `packages/${pkg.name}: a package the architecture check does not know; add it to allowedDependencies in scripts/check-architecture.ts.`,
      );
      continue;
    }
    for (const dependency of pkg.declared) {
      if (!allowed.includes(dependency))
        breaches.push(
          `packages/${pkg.name}/package.json: depends on @aipm/${dependency}, which its layer may not (allowed: ${allowed.map((name) => `@aipm/${name}`).join(", ") || "none"}).`,
        );
    }
    for (const file of pkg.files) {
      for (const site of importsOf(file)) {
        const where = `${file.path}:${site.line}`;
        const workspace = /^@aipm\/([^/]+)(\/.*)?$/.exec(site.specifier);
        if (workspace) {
          const [, target = "", subpath] = workspace;
          if (target === pkg.name) continue;
          if (!pkg.declared.includes(target) && !undeclaredImports[pkg.name]?.includes(target))
            breaches.push(
              `${where}: imports ${site.specifier}, which packages/${pkg.name}/package.json does not declare.`,
            );
          if (pkg.name === "web" && target === "shared" && subpath === undefined && !site.typeOnly)
            breaches.push(
              `${where}: imports values from @aipm/shared's index, which loads zod; import them from a zod-free subpath (@aipm/shared/values, ...) or import types only.`,
            );
        } else if (site.specifier.startsWith(".")) {
          const target = join(dirname(file.path), site.specifier).split(sep).join("/");
          if (!target.startsWith(`packages/${pkg.name}/`))
            breaches.push(
              `${where}: reaches ${target} by a relative path; import another package by its name (@aipm/...) and only through its exports.`,
            );
        }
      }
    }
  }
  return breaches;
}

function isTestFile(path: string): boolean {
  return /\.(test|spec)\.[a-z]+$/.test(path) || /\/(test|test-browser|bench)\//.test(path);
}

/** Source files (tests and benches aside) over the line limit. */
export function fileSizeBreaches(packages: readonly PackageInfo[]): string[] {
  return packages.flatMap((pkg) =>
    pkg.files
      .filter((file) => !isTestFile(file.path))
      .map((file) => ({ file, lines: file.text.split("\n").length - (file.text.endsWith("\n") ? 1 : 0) }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ file, lines }) => `${file.path}: ${lines} lines, over ${MAX_FILE_LINES}; split it by purpose.`),
  );
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)))
    return parent.name.getText(source);
  return "(anonymous)";
}

/** Functions over the length limit in the worker's sources (tests aside). */
export function functionLengthBreaches(packages: readonly PackageInfo[]): string[] {
  const breaches: string[] = [];
  for (const file of packages.flatMap((pkg) => pkg.files)) {
    if (isTestFile(file.path) || !FUNCTION_LIMIT_DIRS.some((dir) => file.path.startsWith(`${dir}/`)))
      continue;
    const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && "body" in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines > MAX_FUNCTION_LINES)
          breaches.push(
            `${file.path}:${start + 1}: function ${functionName(node, source)} is ${lines} lines, over ${MAX_FUNCTION_LINES}; give its parts names of their own.`,
          );
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return breaches;
}

/** Each rule against a made-up breach: the check is only worth running if these are caught. */
function selfTest(): string[] {
  const pkg = (name: string, declared: string[], files: Record<string, string>): PackageInfo => ({
    name,
    declared,
    files: Object.entries(files).map(([path, text]) => ({ path: `packages/${name}/${path}`, text })),
  });
  const cases: [string, string[]][] = [
    [
      "an undeclared workspace import",
      importBreaches([pkg("worker", ["shared", "store"], { "src/a.ts": 'import { x } from "@aipm/api";' })]),
    ],
    ["a forbidden dependency", importBreaches([pkg("worker", ["api"], { "src/a.ts": "" })])],
    [
      "a relative path into another package",
      importBreaches([
        pkg("worker", [], { "test/a.ts": 'import { x } from "../../api/test/fake-github.ts";' }),
      ]),
    ],
    [
      "values from shared's index in the web app",
      importBreaches([
        pkg("web", ["shared"], { "src/a.ts": 'import { storyStatuses } from "@aipm/shared";' }),
      ]),
    ],
    ["a long file", fileSizeBreaches([pkg("store", [], { "src/a.ts": "x;\n".repeat(MAX_FILE_LINES + 1) })])],
    [
      "a long function",
      functionLengthBreaches([
        pkg("worker", [], { "src/a.ts": `function f() {\n${"  x();\n".repeat(MAX_FUNCTION_LINES)}}\n` }),
      ]),
    ],
  ];
  const allowed = [
    importBreaches([pkg("web", ["shared"], { "src/a.ts": 'import type { Story } from "@aipm/shared";' })]),
    importBreaches([pkg("api", ["shared"], { "test/a.ts": 'import { useTestApi } from "@aipm/testing";' })]),
  ];
  return [
    ...cases
      .filter(([, found]) => found.length !== 1)
      .map(([what, found]) => `missed ${what}: ${found.length}`),
    ...allowed.filter((found) => found.length > 0).map((found) => `refused an allowed import: ${found[0]}`),
  ];
}

function main(): void {
  if (process.argv.includes("--self-test")) {
    const failures = selfTest();
    for (const failure of failures) console.error(failure);
    if (failures.length > 0) process.exit(1);
    console.log("architecture check: every rule catches its breach");
    return;
  }
  const packages = readPackages();
  const breaches = [
    ...importBreaches(packages),
    ...fileSizeBreaches(packages),
    ...functionLengthBreaches(packages),
  ];
  if (breaches.length > 0) {
    for (const breach of breaches) console.error(breach);
    console.error(`\n${breaches.length} architecture rule(s) broken; see scripts/check-architecture.ts.`);
    process.exit(1);
  }
  const files = packages.reduce((sum, pkg) => sum + pkg.files.length, 0);
  console.log(`architecture check: ${packages.length} packages, ${files} files, no breach`);
}

main();
