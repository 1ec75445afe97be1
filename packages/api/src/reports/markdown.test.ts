import { describe, expect, it } from "vitest";
import { markdownInline, markdownLink, markdownParagraph, markdownTable } from "./markdown.ts";

describe("markdownInline", () => {
  it("escapes what would become markup, and keeps the text on one line", () => {
    expect(markdownInline("a | b *c* _d_ `e` [f](g) <script>alert(1)</script> ~h~ &amp; \\")).toBe(
      "a \\| b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) \\<script\\>alert(1)\\</script\\> \\~h\\~ \\&amp; \\\\",
    );
    expect(markdownInline("two\r\n  lines")).toBe("two lines");
  });
});

describe("markdownParagraph", () => {
  it("keeps lines apart and lets no line start a heading, list, quote or rule", () => {
    expect(
      markdownParagraph("# not a heading\n- not a list\n+ nor this\n1. nor this\n> nor a quote\n===\nplain"),
    ).toBe(
      "\\# not a heading\\\n\\- not a list\\\n\\+ nor this\\\n\\1. nor this\\\n\\> nor a quote\\\n\\===\\\nplain",
    );
    expect(markdownParagraph("   ")).toBe("");
  });
});

describe("markdownLink", () => {
  it("links web addresses only, with the characters that would end the link encoded", () => {
    expect(markdownLink("#7", "https://github.com/acme/shop/pull/7")).toBe(
      "[#7](https://github.com/acme/shop/pull/7)",
    );
    expect(markdownLink("x", "https://example.com/a(b)|c d")).toBe(
      "[x](https://example.com/a%28b%29%7Cc%20d)",
    );
    expect(markdownLink("#7", "javascript:alert(1)")).toBe("#7");
  });
});

describe("markdownTable", () => {
  it("writes a header, a rule and a line per row, an empty cell as a space", () => {
    expect(markdownTable(["A | B", "C"], [[markdownInline("x|y"), ""]])).toBe(
      "| A \\| B | C |\n| --- | --- |\n| x\\|y |   |\n",
    );
  });
});
