/**
 * @module logic/steps: Given/When/Then steps as the editor shows them, one step per line.
 */

/**
 * The steps in a block of text: one per non-empty line, trimmed.
 *
 * @example linesToSteps("a cart\n\n  with 1 item ") // ["a cart", "with 1 item"]
 */
export function linesToSteps(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** The text an editor shows for steps. */
export function stepsToLines(steps: readonly string[]): string {
  return steps.join("\n");
}

/**
 * The components typed into one field, comma-separated, trimmed, without empties or repeats.
 *
 * @example parseList("cart, checkout,, cart") // ["cart", "checkout"]
 */
export function parseList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
}
