import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellCommand, shellQuote } from "./shell-quote.ts";

/** What `sh` hands a command as its arguments, one per line of JSON. */
function shellWords(command: string): string[] {
  const script = `for word in ${command}; do printf '%s\\0' "$word"; done`;
  return execFileSync("sh", ["-c", script], { encoding: "utf8" }).split("\0").slice(0, -1);
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's `${IFS}` is the attack
const payload = "main;touch${IFS}/tmp/aipm-shell-quote;#";

describe("shellQuote", () => {
  it("leaves plain words bare", () => {
    expect(shellQuote("main")).toBe("main");
    expect(shellQuote("https://forge.test/acme/shop.git")).toBe("https://forge.test/acme/shop.git");
    expect(shellQuote("aipm/sty_01-pay.by-card")).toBe("aipm/sty_01-pay.by-card");
  });

  it("single-quotes anything a shell would read otherwise, and the empty word", () => {
    expect(shellQuote(payload)).toBe(`'${payload}'`);
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("=ls")).toBe("'=ls'");
    expect(shellQuote("a b")).toBe("'a b'");
  });

  it("gives sh back each word as it was, running nothing", () => {
    const words = [payload, "$(id)", "`id`", "it's", "a\nb", 'say "hi" \\ ', "*", "~", "!x", "plain"];
    expect(shellWords(shellCommand(...words))).toEqual(words);
  });
});
