/**
 * @module literals: user text made safe to embed in generated source, per target language.
 */

/** A language the scaffold agent writes string literals in. */
export type SourceLanguage = "typescript" | "javascript" | "python" | "go" | "rust" | "java";

/** Bidirectional overrides and isolates (the "Trojan Source" characters), line separators and BOM. */
const invisibleFormatClass = "\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff";
const invisibleFormat = new RegExp(`[${invisibleFormatClass}]`);
const invisibleFormatAll = new RegExp(`[${invisibleFormatClass}]`, "g");
const controlsAndInvisible = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${invisibleFormatClass}]`, "g");
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const hex = (code: number, width: number) => code.toString(16).padStart(width, "0");
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);
const isSurrogate = (code: number) => code >= 0xd800 && code <= 0xdfff;

/** Lone surrogates become U+FFFD: they have no UTF-8 encoding, so no source file can hold them. */
function wellFormed(text: string): string {
  return text.replace(loneSurrogate, "\ufffd");
}

/**
 * `text` as one line that is safe inside a line comment, a test name or Markdown: no line
 * breaks (including U+2028/U+2029, which end a JavaScript comment), no control characters
 * (a NUL is a syntax error in Python and Go source) and no bidirectional controls (which Rust
 * rejects and which can make code read differently from how it runs).
 *
 * @example oneLine("Given a\nuser  ") // "Given a user"
 */
export function oneLine(text: string): string {
  return wellFormed(text).replace(controlsAndInvisible, " ").replace(/ {2,}/g, " ").trim();
}

/** `text` with each code point that `replacement` maps replaced; the others kept. */
function escapeEach(text: string, replacement: (char: string, code: number) => string | undefined): string {
  let escaped = "";
  for (const char of text) escaped += replacement(char, char.codePointAt(0) ?? 0) ?? char;
  return escaped;
}

const commonEscapes: ReadonlyMap<string, string> = new Map([
  ["\\", "\\\\"],
  ['"', '\\"'],
  ["\n", "\\n"],
  ["\r", "\\r"],
  ["\t", "\\t"],
]);
const javaEscapes: ReadonlyMap<string, string> = new Map([...commonEscapes, ["\b", "\\b"], ["\f", "\\f"]]);

/**
 * `text` as a double-quoted string literal of `language` whose value is exactly `text`, except
 * that lone surrogates become U+FFFD in Go and Rust (which cannot spell them). Printable
 * Unicode stays as it is; control and invisible formatting characters are escaped. Java is
 * all ASCII: `\uXXXX` above 0x7f, because javac may read the file in a platform encoding, and
 * octal below 0x20, because javac turns `\u000a` into a line break before it reads strings.
 *
 * @example stringLiteral("python", 'say "hi"\n') // "\"say \\\"hi\\\"\\n\""
 */
export function stringLiteral(language: SourceLanguage, text: string): string {
  switch (language) {
    case "typescript":
    case "javascript":
      // JSON escapes quotes, backslashes, C0 controls and lone surrogates; the rest is for readers.
      return JSON.stringify(text)
        .replace(/[\u007f-\u009f]/g, (char) => `\\u${hex(char.charCodeAt(0), 4)}`)
        .replace(invisibleFormatAll, (char) => `\\u${hex(char.charCodeAt(0), 4)}`);
    case "python":
      return `"${escapeEach(text, (char, code) => {
        if (commonEscapes.has(char)) return commonEscapes.get(char);
        if (isControl(code)) return `\\x${hex(code, 2)}`;
        if (isSurrogate(code) || invisibleFormat.test(char)) return `\\u${hex(code, 4)}`;
        return undefined;
      })}"`;
    case "go":
      return `"${escapeEach(wellFormed(text), (char, code) => {
        if (commonEscapes.has(char)) return commonEscapes.get(char);
        if (code < 0x80 && isControl(code)) return `\\x${hex(code, 2)}`;
        if (isControl(code) || invisibleFormat.test(char)) return `\\u${hex(code, 4)}`;
        return undefined;
      })}"`;
    case "rust":
      return `"${escapeEach(wellFormed(text), (char, code) => {
        if (commonEscapes.has(char)) return commonEscapes.get(char);
        if (isControl(code) || invisibleFormat.test(char)) return `\\u{${hex(code, 1)}}`;
        return undefined;
      })}"`;
    case "java": {
      let escaped = "";
      for (let index = 0; index < text.length; index++) {
        const unit = text.charCodeAt(index);
        const known = javaEscapes.get(text.charAt(index));
        if (known) escaped += known;
        else if (unit < 0x20 || unit === 0x7f) escaped += `\\${unit.toString(8).padStart(3, "0")}`;
        else if (unit > 0x7f) escaped += `\\u${hex(unit, 4)}`;
        else escaped += text.charAt(index);
      }
      return `"${escaped}"`;
    }
  }
}

/**
 * `text` made safe for a Java line comment, in ASCII like the rest of a Java file (javac may
 * read it in a platform encoding, and rejects bytes it cannot map). javac decodes `\uXXXX` even
 * in comments, so a `\u000a` there would end the comment and run what follows: a backslash is
 * doubled where it would start such an escape, and characters above 0x7f become escapes.
 */
export function javaCommentText(text: string): string {
  return oneLine(text)
    .replace(/\\+(?=u)/g, (run) => (run.length % 2 === 1 ? `${run}\\` : run))
    .replace(/[\u0080-\uffff]/g, (char) => `\\u${hex(char.charCodeAt(0), 4)}`);
}

/**
 * One line of Markdown text that renders as written: no emphasis, code, links, HTML or entities.
 *
 * @example markdownText("<b>*bold*</b> &amp;") // "\\<b\\>\\*bold\\*\\</b\\> &amp;amp;"
 */
export function markdownText(text: string): string {
  return oneLine(text)
    .replace(/[\\`*_[\]<>#|~]/g, "\\$&")
    .replace(/&(?=#?[0-9A-Za-z]+;)/g, "&amp;");
}

/** `text` as a Markdown code span, its fence longer than any backtick run inside it. */
export function markdownCode(text: string): string {
  const flat = oneLine(text);
  const fence = "`".repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}
