import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, csvDocument } from "./csv.ts";

/** An RFC 4180 reader, written apart from the writer: fields, quoted or not, in CRLF lines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === "") quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += char;
  }
  expect(field === "" && row.length === 0, "the document ends with CRLF").toBe(true);
  return rows;
}

/** What a spreadsheet shows for a cell: the text, with `'` before what it would otherwise run. */
const shown = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

describe("csvDocument", () => {
  it("reads back as the header and cells it was given, for any text (RFC 4180)", () => {
    const cell = fc.string({
      unit: fc.constantFrom("a", ",", '"', "\r", "\n", "=", "+", "-", "@", "\t", " ", "é"),
    });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { maxLength: 6 }), (rows) => {
        const text = csvDocument(["first", "second"], rows);
        expect(parseCsv(text)).toEqual([["first", "second"], ...rows.map((row) => row.map(shown))]);
      }),
    );
  });

  it("quotes only where it must, ends each line with CRLF and writes null as empty", () => {
    expect(
      csvDocument(
        ["a", "b", "c"],
        [
          ["plain", 'say "hi"', null],
          ["x,y", "two\nlines", 7],
        ],
      ),
    ).toBe('a,b,c\r\nplain,"say ""hi""",\r\n"x,y","two\nlines",7\r\n');
  });
});

describe("csvCell", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+1", "'+1"],
    ["-2", "'-2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ["\tindented", "'\tindented"],
    ["a=b", "a=b"],
  ])("makes %j safe to open: %s", (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });
});
