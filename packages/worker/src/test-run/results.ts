/**
 * @module test-run/results: test runners' result files read into one list of test cases, and the
 * cases mapped to a story's acceptance tests. Three formats cover the runners the worker knows:
 * JUnit XML (vitest, node:test, pytest, and whatever else a project's own command writes), jest's
 * JSON and `go test -json`. The files come from code the agent wrote, so nothing here trusts them:
 * a malformed file gives fewer cases, never an exception, and only a story's own ids are taken.
 */
import type { AcceptanceTestRun } from "@aipm/shared";

export type TestCaseStatus = "passed" | "failed" | "skipped";

/** One test as its runner reported it. */
export interface TestCaseResult {
  /** The test's name, with its suites' names where the format has them. */
  name: string;
  status: TestCaseStatus;
}

/** The most cases read from one file: far above a real suite, low enough to bound the work. */
const MAX_CASES = 50_000;
/** The longest test name kept, in characters. */
const MAX_NAME = 1_000;

const entities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** An XML attribute value with its entities decoded; an unknown or invalid one is kept as written. */
function decode(value: string): string {
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] !== "#") return entities[entity] ?? whole;
    const code =
      entity[1] === "x" || entity[1] === "X" ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const tagPattern = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const attributePattern = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(source: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of source.matchAll(attributePattern))
    found.set(match[1] ?? "", decode(match[2] ?? match[3] ?? ""));
  return found;
}

/**
 * The `<testcase>` elements of a JUnit XML report, whatever nests them: failed when one holds a
 * `<failure>` or `<error>`, skipped when it holds a `<skipped>`, else passed. The name is the
 * case's `name`, after its `classname` when that is not already part of it. Comments and CDATA
 * (captured output) are skipped, so nothing a test printed can pose as a result.
 *
 * @example parseJunitXml('<testsuite><testcase name="adds [act_…]"/></testsuite>') // [{ name: "adds [act_…]", status: "passed" }]
 */
export function parseJunitXml(xml: string): TestCaseResult[] {
  const text = xml.replace(/<!--[\s\S]*?-->/g, "").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  const cases: TestCaseResult[] = [];
  let open: TestCaseResult | null = null;
  for (const match of text.matchAll(tagPattern)) {
    const [, closing, tag = "", attributeText = "", selfClosing] = match;
    if (tag === "testcase" && !closing) {
      if (cases.length >= MAX_CASES) break;
      const found = attributes(attributeText);
      const name = found.get("name") ?? "";
      const classname = found.get("classname") ?? "";
      const full = classname && !name.includes(classname) ? `${classname} > ${name}` : name;
      const testCase: TestCaseResult = { name: full.slice(0, MAX_NAME), status: "passed" };
      cases.push(testCase);
      open = selfClosing ? null : testCase;
    } else if (tag === "testcase") {
      open = null;
    } else if (open && !closing && (tag === "failure" || tag === "error")) {
      open.status = "failed";
    } else if (open && !closing && tag === "skipped" && open.status === "passed") {
      open.status = "skipped";
    }
  }
  return cases;
}

const jestStatuses: Record<string, TestCaseStatus> = {
  passed: "passed",
  failed: "failed",
  pending: "skipped",
  skipped: "skipped",
  todo: "skipped",
  disabled: "skipped",
};

/**
 * The tests of jest's `--json` report: each file's `assertionResults`, named by their `fullName`.
 *
 * @example parseJestJson(await readFile("results.json", "utf8"))
 */
export function parseJestJson(json: string): TestCaseResult[] {
  const report = parseObject(json);
  const files = Array.isArray(report?.testResults) ? report.testResults : [];
  const cases: TestCaseResult[] = [];
  for (const file of files) {
    const assertions = isObject(file) && Array.isArray(file.assertionResults) ? file.assertionResults : [];
    for (const assertion of assertions) {
      if (!isObject(assertion) || cases.length >= MAX_CASES) continue;
      const status = jestStatuses[String(assertion.status)];
      const name =
        typeof assertion.fullName === "string" ? assertion.fullName : String(assertion.title ?? "");
      if (status) cases.push({ name: name.slice(0, MAX_NAME), status });
    }
  }
  return cases;
}

/**
 * The tests of `go test -json`'s events, and the readable output rebuilt from them. A test that
 * has subtests is left out: its subtests are the cases (go fails the parent with any of them).
 *
 * @example const { cases, output } = parseGoTestJson(stdout)
 */
export function parseGoTestJson(events: string): { cases: TestCaseResult[]; output: string } {
  const ended = new Map<string, TestCaseStatus>();
  const output: string[] = [];
  for (const line of events.split("\n")) {
    const event = parseObject(line);
    if (!event) continue;
    if (typeof event.Output === "string") output.push(event.Output);
    const test = typeof event.Test === "string" ? event.Test : null;
    const status = { pass: "passed", fail: "failed", skip: "skipped" }[String(event.Action)];
    if (test && status && ended.size < MAX_CASES)
      ended.set(`${String(event.Package)} ${test}`, status as TestCaseStatus);
  }
  const parents = new Set<string>();
  for (const key of ended.keys())
    for (let slash = key.indexOf("/"); slash !== -1; slash = key.indexOf("/", slash + 1))
      parents.add(key.slice(0, slash));
  const cases = [...ended]
    .filter(([key]) => !parents.has(key))
    .map(([key, status]) => ({ name: key.slice(key.indexOf(" ") + 1).slice(0, MAX_NAME), status }));
  return { cases, output: output.join("") };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How many cases passed, failed and were skipped. */
export function countCases(cases: readonly TestCaseResult[]): Record<TestCaseStatus, number> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const testCase of cases) counts[testCase.status]++;
  return counts;
}

/** An acceptance test's id anywhere in a test's name (see `ids.ts`). */
const acceptanceTestId = /act_[0-9a-hjkmnp-tv-z]{26}/g;

/** One acceptance test's result. */
export interface AcceptanceTestOutcome {
  acceptanceTestId: string;
  status: AcceptanceTestRun["result"];
}

/**
 * Each of the story's acceptance tests that a case names: `Fail` when any case naming it failed,
 * else `Pass` when one passed; one only skipped is left out, and so is every id not in
 * `storyTestIds`. Sorted by id.
 *
 * @example mapToAcceptanceTests([{ name: "pays [act_01…]", status: "failed" }], new Set(["act_01…"]))
 * // [{ acceptanceTestId: "act_01…", status: "Fail" }]
 */
export function mapToAcceptanceTests(
  cases: readonly TestCaseResult[],
  storyTestIds: ReadonlySet<string>,
): AcceptanceTestOutcome[] {
  const results = new Map<string, AcceptanceTestRun["result"]>();
  for (const testCase of cases) {
    if (testCase.status === "skipped") continue;
    for (const [id] of testCase.name.matchAll(acceptanceTestId)) {
      if (!storyTestIds.has(id)) continue;
      if (testCase.status === "failed") results.set(id, "Fail");
      else if (!results.has(id)) results.set(id, "Pass");
    }
  }
  return [...results]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([acceptanceTestId, status]) => ({ acceptanceTestId, status }));
}
