import { describe, expect, it } from "vitest";
import { printable, printableJson } from "./terminal-text.ts";

describe("printable", () => {
  it.each([
    ["plain text", "all tasks OK", "all tasks OK"],
    ["newlines and tabs", "a\n\tb\n", "a\n\tb\n"],
    ["CRLF line ends", "a\r\nb\r\n", "a\nb\n"],
    ["a carriage return that overwrites", "FAILED\rOK    ", "FAILEDOK    "],
    ["clear screen (CSI)", "\x1b[2Jok", "ok"],
    ["colours", "\x1b[31;1mred\x1b[0m", "red"],
    ["cursor moves with private parameters", "\x1b[?25l\x1b[10;20Hx", "x"],
    ["window title (OSC ended by BEL)", "\x1b]0;pwned\x07x", "x"],
    ["window title (OSC ended by ST)", "\x1b]2;pwned\x1b\\x", "x"],
    ["hyperlink (OSC 8)", "\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\", "click"],
    ["an unterminated OSC ends at the line's end", "\x1b]0;title\nnext", "\nnext"],
    ["DCS", "\x1bPq#0;2;0;0;0\x1b\\x", "x"],
    ["reset and charset sequences", "\x1bc\x1b(0x\x1b=", "x"],
    ["a lone ESC", "a\x1b", "a"],
    ["C1 CSI", "\x9b2Jx", "x"],
    ["C1 OSC", "\x9d0;pwned\x9cx", "x"],
    ["other C1", "a\x85b\x8dc", "abc"],
    ["C0 controls", "a\x00b\x07c\x08d\x0be\x0cf\x7f", "abcdef"],
    ["bidi overrides and isolates", "a\u202ebc\u202c\u2066d\u2069", "abcd"],
    ["the attack of the issue", "\x1b[2J\x1b]0;pwned\x07all tasks OK", "all tasks OK"],
    ["other Unicode", "café ✓ 日本", "café ✓ 日本"],
  ])("%s", (_name, input, output) => {
    expect(printable(input)).toBe(output);
  });
});

describe("printableJson", () => {
  it("parses back to the same value and holds no raw control character", () => {
    const value = { error: "\x1b[2J\x1b]0;pwned\x07all tasks OK\x9b\u202e\u2028", n: 1, list: ["\t\n"] };
    const text = printableJson(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect([...text].filter((character) => /[^\n -~]/.test(character))).toEqual([]);
    expect(text).toContain("\\u001b[2J");
  });

  it("is JSON.stringify's output when nothing needs escaping", () => {
    const value = { a: "b", c: [1, null, true] };
    expect(printableJson(value, 2)).toBe(JSON.stringify(value, null, 2));
    expect(printableJson(value)).toBe(JSON.stringify(value));
  });
});
