/**
 * @module bench/bench-data: what the API's benches share: a seeded PRNG, so every run works on the
 * same data, the words their made-up stories are written with, and a timer.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same numbers in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Words for made-up story text. */
const WORDS =
  "pay card order cart checkout refund invoice receipt wallet account sign in out search filter sort export report email notify address shipping discount coupon tax currency stock return review rating profile password admin audit the a to of and with for when then".split(
    " ",
  );

/** Runs `work` and says how long it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** `count` made-up words, drawn from `next`. */
export function wordsFrom(next: () => number): (count: number) => string {
  return (count) => Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" ");
}

/** A made-up story's text, points and assignee (its title numbered `index`), drawn from `next`. */
export function benchStoryText(next: () => number, index: number) {
  const words = wordsFrom(next);
  return {
    title: `${words(4)} ${index}`,
    asA: words(2),
    iWant: words(10),
    soThat: words(8),
    description: words(40),
    components: [words(1)],
    storyPoints: Math.floor(next() * 8) + 1,
    assignee: next() < 0.5 ? "" : "dev@example.com",
  };
}

/** A made-up acceptance test's title and steps, drawn from `next`. */
export function benchTestText(next: () => number) {
  const words = wordsFrom(next);
  return { title: words(5), given: [words(6)], when: [words(5)], then: [words(6), words(4)] };
}
