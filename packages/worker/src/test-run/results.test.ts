/**
 * @module test-run/results.test: the result parsers and the mapping on what a hostile test suite
 * could write; real runners' output is covered by run-tests.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  countCases,
  mapToAcceptanceTests,
  parseGoTestJson,
  parseJestJson,
  parseJunitXml,
} from "./results.ts";

const a = "act_01jdq3m1k9x7v2b8c4n5r6t0a1";
const b = "act_01jdq3m1k9x7v2b8c4n5r6t0b2";
const foreign = "act_01jdq3m1k9x7v2b8c4n5r6t0zz";

describe("parseJunitXml", () => {
  it("reads nested suites, failures, errors and skips, and decodes names", () => {
    const xml = `<?xml version="1.0"?>
<testsuites><testsuite name="outer"><testsuite name="inner">
  <testcase classname="tests.acceptance.test_pay" name="test_ok_${a}" time="0.1"/>
  <testcase name="Card &amp; cash &lt;${b}&gt; &#x263A;"><failure message="boom">trace</failure></testcase>
  <testcase name='errored'><error message="x"/></testcase>
  <testcase name="skipped"><skipped/></testcase>
</testsuite></testsuite></testsuites>`;
    expect(parseJunitXml(xml)).toEqual([
      { name: `tests.acceptance.test_pay > test_ok_${a}`, status: "passed" },
      { name: `Card & cash <${b}> ☺`, status: "failed" },
      { name: "errored", status: "failed" },
      { name: "skipped", status: "skipped" },
    ]);
  });

  it("ignores what tests printed: output in CDATA or comments cannot add or pass a case", () => {
    const xml = `<testsuite>
  <testcase name="real ${a}"><failure/><system-out><![CDATA[</failure></testcase><testcase name="fake ${b}"/>]]></system-out></testcase>
  <!-- <testcase name="commented ${b}"/> -->
</testsuite>`;
    expect(parseJunitXml(xml)).toEqual([{ name: `real ${a}`, status: "failed" }]);
  });

  it("gives nothing, not an exception, for what is not JUnit XML", () => {
    for (const text of ["", "not xml", "<testcase", '{"testcase": 1}', '<testcase name="x">'.repeat(3)])
      expect(() => parseJunitXml(text)).not.toThrow();
    expect(parseJunitXml("garbage")).toEqual([]);
  });

  it("reads a large hostile file in linear time and bounds the number of cases", () => {
    const started = performance.now();
    const cases = parseJunitXml(`<testcase name="x"/>`.repeat(200_000));
    const unterminated = parseJunitXml(`<testcase ${"a='1' ".repeat(200_000)}`);
    expect(cases).toHaveLength(50_000);
    expect(unterminated).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("parseJestJson", () => {
  it("reads each assertion by its full name, and todo and pending as skipped", () => {
    const report = {
      numFailedTests: 1,
      testResults: [
        {
          name: "/w/test/acceptance/pay.test.js",
          assertionResults: [
            { fullName: `Pay ${a}`, title: a, status: "passed" },
            { fullName: `Pay ${b}`, status: "failed" },
            { title: "later", status: "todo" },
            { title: "odd", status: "exploded" },
            "not an object",
          ],
        },
        { name: "no assertions" },
      ],
    };
    expect(parseJestJson(JSON.stringify(report))).toEqual([
      { name: `Pay ${a}`, status: "passed" },
      { name: `Pay ${b}`, status: "failed" },
      { name: "later", status: "skipped" },
    ]);
    expect(parseJestJson("{not json")).toEqual([]);
    expect(parseJestJson("[1,2]")).toEqual([]);
  });
});

describe("parseGoTestJson", () => {
  it("takes subtests as the cases, not their parent, and rebuilds the output", () => {
    const events = [
      { Action: "run", Package: "shop/acceptance", Test: "TestPay" },
      { Action: "output", Package: "shop/acceptance", Test: "TestPay", Output: "=== RUN   TestPay\n" },
      { Action: "pass", Package: "shop/acceptance", Test: `TestPay/Card_accepted_[${a}]` },
      { Action: "output", Package: "shop/acceptance", Output: "    pay_test.go:9: Not implemented\n" },
      { Action: "fail", Package: "shop/acceptance", Test: `TestPay/Card_declined_[${b}]` },
      { Action: "fail", Package: "shop/acceptance", Test: "TestPay" },
      { Action: "skip", Package: "shop/other", Test: "TestLater" },
      { Action: "fail", Package: "shop/broken" },
    ];
    const text = `${events.map((event) => JSON.stringify(event)).join("\n")}\nnot json\n`;
    expect(parseGoTestJson(text)).toEqual({
      cases: [
        { name: `TestPay/Card_accepted_[${a}]`, status: "passed" },
        { name: `TestPay/Card_declined_[${b}]`, status: "failed" },
        { name: "TestLater", status: "skipped" },
      ],
      output: "=== RUN   TestPay\n    pay_test.go:9: Not implemented\n",
    });
  });
});

describe("mapToAcceptanceTests and countCases", () => {
  it("fails an acceptance test when any case naming it fails, and takes only the story's ids", () => {
    const cases = [
      { name: `one ${a}`, status: "passed" },
      { name: `two ${a}`, status: "failed" },
      { name: `[${b}]`, status: "passed" },
      { name: `[${b}] again, skipped`, status: "skipped" },
      { name: `someone else's ${foreign}`, status: "failed" },
      { name: "no id at all", status: "failed" },
    ] as const;
    expect(mapToAcceptanceTests(cases, new Set([a, b]))).toEqual([
      { acceptanceTestId: a, status: "Fail" },
      { acceptanceTestId: b, status: "Pass" },
    ]);
    expect(countCases(cases)).toEqual({ passed: 2, failed: 3, skipped: 1 });
  });

  it("leaves out an acceptance test that only skipped cases name", () => {
    expect(mapToAcceptanceTests([{ name: a, status: "skipped" }], new Set([a]))).toEqual([]);
  });
});
