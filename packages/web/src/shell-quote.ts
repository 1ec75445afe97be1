/**
 * @module shell-quote: words the page shows inside a command for people to copy, quoted so that a
 * POSIX shell reads each as one literal word whatever it holds.
 */

/**
 * `word` as one literal word for a POSIX shell (sh, bash, zsh): left bare when it holds only
 * characters no shell treats specially, else in single quotes, each `'` written `'\''`.
 *
 * @example shellQuote("main") // "main"
 * @example shellQuote("main;touch${IFS}x;#") // "'main;touch${IFS}x;#'"
 * @example shellQuote("it's") // "'it'\\''s'"
 */
export function shellQuote(word: string): string {
  // zsh expands a word starting with `=`, so that one is quoted too.
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word) && !word.startsWith("=")) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The words of one command, each quoted with {@link shellQuote}, joined by spaces. */
export function shellCommand(...words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
