/**
 * @module logic/ai-progress: what to show while an AI answer streams in. The answer is JSON the
 * model is still writing; rather than parse a half-written document, it picks out the titles and
 * messages already complete, the parts a person recognises.
 */

const completeNames = /"(?:title|message)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** The titles and messages the streamed JSON text holds so far, complete ones only, in order. */
export function streamedNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(completeNames)) {
    try {
      names.push(JSON.parse(`"${match[1]}"`) as string);
    } catch {
      // An escape the model has not finished; the next delta completes it.
    }
  }
  return names;
}

/**
 * One line for the action in progress: the names so far, or how much has arrived before the first.
 *
 * @example streamProgress('{"tests":[{"title":"Pay by card"},{"ti') // "so far: Pay by card"
 */
export function streamProgress(text: string): string {
  if (text === "") return "";
  const names = streamedNames(text);
  return names.length > 0 ? `so far: ${names.join(" · ")}` : `${text.length} characters received`;
}
