/**
 * @module random-cases: a small seeded generator for property tests (the same seed gives the same
 * cases, so a failure reproduces). The package's dependencies stay as they are.
 */

export interface Random {
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** One of the items. */
  pick<T>(items: readonly T[]): T;
  /** A string of `length` characters from `alphabet`. */
  string(alphabet: string, length: number): string;
  /** Between min and max distinct values from `make`. */
  distinct<T>(min: number, max: number, make: () => T): T[];
}

/** mulberry32: tiny, fast and good enough to spread test cases. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const random: Random = {
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      const item = items[random.int(0, items.length - 1)];
      if (item === undefined) throw new Error("pick needs at least one item");
      return item;
    },
    string: (alphabet, length) => Array.from({ length }, () => random.pick([...alphabet])).join(""),
    distinct: (min, max, make) => {
      const wanted = random.int(min, max);
      const values = new Set<string>();
      const result: ReturnType<typeof make>[] = [];
      for (let attempt = 0; result.length < wanted && attempt < wanted * 20; attempt++) {
        const value = make();
        const key = JSON.stringify(value);
        if (!values.has(key)) {
          values.add(key);
          result.push(value);
        }
      }
      return result;
    },
  };
  return random;
}

/**
 * Runs `check` on `count` generated cases; a failure names the case number and seed.
 *
 * @example forAll(200, (random) => random.int(1, 9), (n) => expect(n).toBeGreaterThan(0));
 */
export function forAll<T>(
  count: number,
  generate: (random: Random) => T,
  check: (value: T) => void,
  seed = 7,
): void {
  const random = seededRandom(seed);
  for (let index = 0; index < count; index++) {
    const value = generate(random);
    try {
      check(value);
    } catch (error) {
      throw new Error(`Case ${index} (seed ${seed}) failed for ${JSON.stringify(value)}: ${String(error)}`);
    }
  }
}
