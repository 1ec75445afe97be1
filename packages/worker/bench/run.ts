/**
 * @module run: runs the worker's benchmarks against their time targets and prints their figures. It never
 * fails on time: a missed target is printed as MISSED, and only a broken bench exits non-zero.
 *
 * @example pnpm --filter @aipm/worker bench            # all four, in sequence
 * @example pnpm --filter @aipm/worker bench queue      # one: queue, claims, worktree or codegen
 * @example AIPM_BENCH_WORKERS=64 AIPM_BENCH_TASKS=1000 pnpm --filter @aipm/worker bench claims
 */
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { claimRaceBench } from "./claim-race.ts";
import { codeGenerationBench } from "./code-generation.ts";
import { queuePickupBench } from "./queue-pickup.ts";
import { worktreeOverheadBench } from "./worktree-overhead.ts";

const benches = {
  queue: queuePickupBench,
  claims: claimRaceBench,
  worktree: worktreeOverheadBench,
  codegen: codeGenerationBench,
} satisfies Record<string, () => Promise<void>>;
type BenchName = keyof typeof benches;

/** The 1-minute load average: figures taken on a busy machine read differently. */
const load = () => (loadavg()[0] ?? 0).toFixed(1);

const isBenchName = (name: string): name is BenchName => Object.hasOwn(benches, name);

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((name) => !isBenchName(name));
  if (unknown.length > 0) {
    console.error(
      `Unknown bench ${unknown.join(", ")}: name any of ${Object.keys(benches).join(", ")}, or none for all.`,
    );
    process.exitCode = 2;
    return;
  }
  const selected = args.length > 0 ? args.filter(isBenchName) : (Object.keys(benches) as BenchName[]);
  const gitVersion = execFileSync("git", ["--version"], { encoding: "utf8" }).trim();
  console.log(
    `AIPM worker benchmarks: node ${process.version}, ${gitVersion}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "unknown"}), load average ${load()}`,
  );
  const started = performance.now();
  for (const name of selected) {
    const benchStarted = performance.now();
    await benches[name]();
    console.log(
      `  (${name} took ${((performance.now() - benchStarted) / 1000).toFixed(1)} s; load average now ${load()})`,
    );
  }
  console.log(`\nAll done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

await main(process.argv.slice(2));
