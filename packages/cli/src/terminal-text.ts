/**
 * @module terminal-text: text that came from an agent or a user (task errors, agent output, story
 * titles, project names, event data), made safe to print in a terminal: it can no longer clear the
 * screen, set the window title, move the cursor or reorder what is shown.
 */

// ESC and C1 sequences as a terminal reads them; an unterminated string sequence (OSC, DCS...)
// ends at the line's end, so it cannot hide the lines after it.
const ESCAPE_SEQUENCES = new RegExp(
  [
    "(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]", // CSI: cursor, erase, colours
    "(?:\\u001b\\]|\\u009d)[^\\u0007\\u001b\\u009c\\n]*(?:\\u0007|\\u001b\\\\|\\u009c)?", // OSC: title, links, clipboard
    "(?:\\u001b[PX^_]|[\\u0090\\u0098\\u009e\\u009f])[^\\u001b\\u009c\\n]*(?:\\u001b\\\\|\\u009c)?", // DCS, SOS, PM, APC
    "\\u001b[ -/]*[0-~]", // other ESC sequences (character sets, reset)
  ].join("|"),
  "g",
);
// C0 but newline and tab, DEL, C1, and the bidi embeddings, overrides and isolates.
// biome-ignore lint/complexity/useRegexLiterals: a literal would hold the control characters noControlCharactersInRegex refuses
const CONTROL_CHARACTERS = new RegExp(
  "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]",
  "g",
);
// What JSON.stringify leaves raw although a terminal acts on it: DEL, C1, line and paragraph
// separators, bidi controls.
// biome-ignore lint/complexity/useRegexLiterals: a literal would hold the control characters noControlCharactersInRegex refuses
const JSON_RAW_CONTROLS = new RegExp("[\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]", "g");

/**
 * `text` without control characters: C0 except newline and tab, escape sequences (CSI, OSC, DCS
 * and the rest), C1 and Unicode bidi overrides; a CRLF line end becomes a newline.
 *
 * @example printable("\x1b[2J\x1b]0;pwned\x07all tasks OK") // "all tasks OK"
 */
export function printable(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(ESCAPE_SEQUENCES, "").replace(CONTROL_CHARACTERS, "");
}

/**
 * `value` as JSON (pretty with `space`) that parses to exactly the same value, with every character
 * a terminal acts on escaped: JSON.stringify escapes C0 itself; DEL, C1 and bidi controls too here.
 *
 * @example printableJson({ error: "\x1b[2J" }) // '{"error":"\\u001b[2J"}'
 */
export function printableJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    JSON_RAW_CONTROLS,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
