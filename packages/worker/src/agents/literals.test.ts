import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { javaCommentText, markdownCode, markdownText, oneLine, stringLiteral } from "./literals.ts";

/** Strings that break naive escaping in at least one of the target languages. */
const hostile = [
  "plain",
  "",
  "double \"quotes\" and 'single'",
  "backslash \\ double \\\\ trailing \\",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a would-be interpolation, to prove it stays inert
  "backticks `x` ${injection} #{ruby} {braces} {{}} %s %d %v",
  "comment closers */ /* <!-- -->",
  "line\nbreaks\r\nand\u2028separators\u2029and\u0085NEL",
  "controls \u0000 \u0007 \b \f \t \u001b[31m \u007f \u009b",
  "Crème brûlée, 日本語, emoji 👩‍💻, combining e\u0301",
  "Trojan \u202eevil\u202c \u2066isolate\u2069 \u200f mark, BOM \ufeff",
  "Java escapes \\u000a \\u0022 \\\\u0022 \\uuuu000a",
  "octal-looking \u0001 then digits 0123",
  "'''\"\"\" triple quotes",
];
const withLoneSurrogates = ["lone high \ud800 here", "lone low \udc00 here", "reversed \udc00\ud800"];

/** The control and invisible formatting characters written raw in `text`. */
function rawInvisibles(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || "\u202e\u2028\u2029\ufeff".includes(char);
  });
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${command} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const utf16Hex = (text: string) => Buffer.from(text, "utf16le").toString("hex");
/** UTF-8, where Node (like Go and Rust) spells a lone surrogate as U+FFFD. */
const utf8Hex = (text: string) => Buffer.from(text, "utf8").toString("hex");

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "aipm-literals-"));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("stringLiteral round-trips through the real language", () => {
  const values = [...hostile, ...withLoneSurrogates];

  it.each(["typescript", "javascript"] as const)("%s: evaluates to the same string", (language) => {
    for (const value of values) {
      expect(vm.runInNewContext(stringLiteral(language, value))).toBe(value);
    }
  });

  it("python: evaluates to the same string", async () => {
    const source = [
      "import json",
      `values = [${values.map((value) => stringLiteral("python", value)).join(", ")}]`,
      'print(json.dumps([v.encode("utf-16-le", "surrogatepass").hex() for v in values]))',
      "",
    ].join("\n");
    await writeFile(path.join(workDir, "values.py"), source);
    const printed = JSON.parse(run("python3", ["values.py"], workDir));
    expect(printed).toEqual(values.map(utf16Hex));
  });

  it("java: is pure ASCII and evaluates to the same string", async () => {
    const literals = values.map((value) => stringLiteral("java", value));
    for (const literal of literals) expect(literal).toMatch(/^[\x20-\x7e]*$/);
    const source = [
      "public class Values {",
      "  public static void main(String[] args) {",
      `    String[] values = { ${literals.join(", ")} };`,
      "    for (String value : values) {",
      "      StringBuilder hex = new StringBuilder();",
      '      for (char unit : value.toCharArray()) hex.append(String.format("%04x", (int) unit));',
      "      System.out.println(hex);",
      "    }",
      "  }",
      "}",
      "",
    ].join("\n");
    await writeFile(path.join(workDir, "Values.java"), source);
    const printed = run("java", ["Values.java"], workDir).trimEnd().split("\n");
    // Java hex is big-endian per code unit; Node's utf16le is little-endian per code unit.
    const units = (text: string) =>
      Array.from({ length: text.length }, (_, i) => text.charCodeAt(i).toString(16).padStart(4, "0")).join(
        "",
      );
    expect(printed.map((line) => line.trim())).toEqual(values.map(units));
  }, 60_000);

  it("rust: evaluates to the same string, lone surrogates as U+FFFD", async () => {
    const source = [
      "fn main() {",
      `    let values = [${values.map((value) => stringLiteral("rust", value)).join(", ")}];`,
      "    for value in values {",
      '        println!("{}", value.bytes().map(|b| format!("{:02x}", b)).collect::<String>());',
      "    }",
      "}",
      "",
    ].join("\n");
    await writeFile(path.join(workDir, "values.rs"), source);
    run("rustc", ["--edition", "2021", "-o", "values", "values.rs"], workDir);
    const printed = run(path.join(workDir, "values"), [], workDir).split("\n").slice(0, values.length);
    expect(printed).toEqual(values.map(utf8Hex));
  }, 60_000);

  it("escapes invisible and control characters instead of writing them raw", () => {
    const sneaky = "a\u202eb\u2028c\u0000d\u009be\ufeff";
    for (const language of ["typescript", "python", "go", "rust", "java"] as const) {
      expect(rawInvisibles(stringLiteral(language, sneaky))).toEqual([]);
    }
  });

  it("keeps printable Unicode readable outside Java", () => {
    expect(stringLiteral("python", "Crème 日本")).toBe('"Crème 日本"');
    expect(stringLiteral("go", "Crème 日本")).toBe('"Crème 日本"');
    expect(stringLiteral("java", "Crème")).toBe('"Cr\\u00e8me"');
    expect(stringLiteral("rust", "tab\tbell\u0007")).toBe('"tab\\tbell\\u{7}"');
    expect(stringLiteral("java", "bell\u0007 1")).toBe('"bell\\007 1"');
  });
});

describe("oneLine", () => {
  it("turns line breaks, controls and bidirectional characters into single spaces", () => {
    expect(oneLine("  a\nb\r\nc\u2028d\u2029e\u0085f\u0000g\u202eh\ufeffi  ")).toBe("a b c d e f g h i");
  });

  it("replaces lone surrogates, which UTF-8 cannot hold, with U+FFFD", () => {
    expect(oneLine("x\ud800y\udc00z 👍")).toBe("x\ufffdy\ufffdz 👍");
  });
});

describe("javaCommentText", () => {
  it("doubles a backslash that would start a Unicode escape, and only that one", () => {
    expect(javaCommentText("\\u000a")).toBe("\\\\u000a");
    expect(javaCommentText("\\\\u000a")).toBe("\\\\u000a");
    expect(javaCommentText("\\\\\\u000a")).toBe("\\\\\\\\u000a");
    expect(javaCommentText("C:\\path\\to")).toBe("C:\\path\\to");
  });

  it("is ASCII: other characters become Unicode escapes, which javac decodes harmlessly", () => {
    expect(javaCommentText("Crème 👍")).toBe("Cr\\u00e8me \\ud83d\\udc4d");
  });
});

describe("markdownText and markdownCode", () => {
  it("escapes what would render as markup, and leaves plain prose alone", () => {
    expect(markdownText("*a* _b_ `c` [d](e) <b> # | ~ \\")).toBe(
      "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\<b\\> \\# \\| \\~ \\\\",
    );
    expect(markdownText("Tom & Jerry &amp; &#169;")).toBe("Tom & Jerry &amp;amp; &\\#169;");
    expect(markdownText("Drag and drop, then save.")).toBe("Drag and drop, then save.");
  });

  it("fences a code span longer than any backtick run inside it", () => {
    expect(markdownCode("sty_1")).toBe("`sty_1`");
    expect(markdownCode("a``b")).toBe("```a``b```");
    expect(markdownCode("`x")).toBe("`` `x ``");
  });
});
