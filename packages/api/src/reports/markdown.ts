/**
 * @module reports/markdown: user text placed in Markdown so that it reads as the text it is: no
 * emphasis, link, HTML tag, table cell or heading comes out of what a story says.
 */

/** Characters that make inline markup (CommonMark lets any ASCII punctuation be escaped). */
const INLINE = /[\\`*_[\]<>|~&]/g;
/** A line start that would make a block: heading, list item, quote, setext underline, thematic break. */
const BLOCK_START = /^([#+\-=>]|\d+[.)])/;

/**
 * One line of text, escaped for use anywhere inline (a heading, a list item, a table cell): line
 * breaks become spaces.
 *
 * @example markdownInline("a | b *c*") // "a \\| b \\*c\\*"
 */
export function markdownInline(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").replace(INLINE, (character) => `\\${character}`);
}

/**
 * Free text as one paragraph: each line escaped, lines kept apart by hard breaks, and nothing at a
 * line's start read as a block. Empty text is empty.
 *
 * @example markdownParagraph("# not a heading\n- not a list") // "\\# not a heading\\\n\\- not a list"
 */
export function markdownParagraph(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => markdownInline(line).replace(BLOCK_START, (start) => `\\${start}`))
    .join("\\\n");
}

/** A link to an http(s) address, or the label alone for any other address. */
export function markdownLink(label: string, url: string): string {
  if (!/^https?:\/\//i.test(url)) return markdownInline(label);
  const safe = url.replace(
    /[()<>|\s\\]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return `[${markdownInline(label)}](${safe})`;
}

/**
 * A table. Its cells are Markdown already (text through {@link markdownInline}, or a
 * {@link markdownLink}); the header is text.
 *
 * @example markdownTable(["Story"], [[markdownInline("Pay | refund")]]) // "| Story |\n| --- |\n| Pay \\| refund |\n"
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell || " ").join(" | ")} |\n`;
  return line(header.map(markdownInline)) + line(header.map(() => "---")) + rows.map(line).join("");
}
