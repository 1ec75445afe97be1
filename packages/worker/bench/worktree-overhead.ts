/**
 * @module worktree-overhead: the worker's git work per task, agent excluded, on a 10,000-file
 * repository served over HTTP as the local forge serves it: a worktree of a warm mirror against a
 * fresh clone per task.
 */

import { mkdir, mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { ADMIN_TOKEN, startApiServer } from "@aipm/testing";
import {
  commitAndPush,
  createAgentHome,
  prepareWorktree,
  type RepositoryAccess,
  releaseWorktree,
  runAgent,
} from "../src/index.ts";
import { sandboxCommand } from "../src/sandbox/sandbox.ts";
import { ms, printTable, summarize, verdict } from "./report.ts";
import { createBareRepository, git } from "./setup.ts";

const FILES = 10_000;
const TASKS = 10;
const PROTECTED = [".github/workflows/**"];
const AUTHOR = { name: "AIPM worker", email: "worker@aipm.local" };

/** 100 folders of 100 small source files, each a few lines. */
function* repositoryFiles(): Generator<[string, string]> {
  yield ["README.md", "# big\n\nA generated repository for the worker's benchmark.\n"];
  for (let i = 0; i < FILES - 1; i++) {
    const folder = String(Math.floor(i / 100)).padStart(3, "0");
    yield [
      `src/module-${folder}/file-${String(i).padStart(5, "0")}.ts`,
      `export const value${i} = ${i};\nexport function read${i}(): number {\n  return value${i} * 2;\n}\n`,
    ];
  }
}

/** Names of the filesystems a temporary folder is likely on, by their magic number (statfs(2)). */
const FILESYSTEMS: Record<number, string> = {
  61267: "ext4",
  16914836: "tmpfs",
  1481003842: "xfs",
  2435016766: "btrfs",
  2035054128: "overlayfs",
};

async function filesystemOf(path: string): Promise<string> {
  const { type } = await statfs(path);
  return FILESYSTEMS[type] ?? `type 0x${type.toString(16)}`;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

/** Prints the worker's per-task git overhead (p50) on a warm mirror against a fresh clone per task. */
export async function worktreeOverheadBench(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), "aipm-bench-worktree-"));
  const local = await startLocalDynamoProcess();
  const reposDir = join(workDir, "repos");
  const server = await startApiServer({
    dynamoEndpoint: local.endpoint,
    environment: `bench-worktree-${process.pid}`,
    adminToken: ADMIN_TOKEN,
    reposDir,
  });
  try {
    const [, createMs] = await timed(async () => {
      await mkdir(join(reposDir, "acme"), { recursive: true });
      const remote = join(reposDir, "acme", "big.git");
      await createBareRepository(remote, repositoryFiles());
      for (let i = 0; i < TASKS + 1; i++) {
        await git(["update-ref", `refs/heads/aipm/warm-${i}`, "refs/heads/main"], { cwd: remote });
        await git(["update-ref", `refs/heads/aipm/fresh-${i}`, "refs/heads/main"], { cwd: remote });
      }
    });
    const access: RepositoryAccess = {
      cloneUrl: `${server.url}/git/acme/big.git`,
      authorization: `Basic ${Buffer.from(`aipm-worker:${ADMIN_TOKEN}`).toString("base64")}`,
    };
    const authConfig = ["-c", `http.extraHeader=Authorization: ${access.authorization}`];
    const cacheDir = join(workDir, "cache");
    const filesystem = await filesystemOf(workDir);

    /**
     * What the worker does around the agent, with a one-file change standing in for the agent, made
     * inside the agent's sandbox (bubblewrap, the forwarder, the egress proxy) as a real run is.
     */
    const workerTask = async (i: number) => {
      const phases = { prepare: 0, sandbox: 0, commitAndPush: 0, remove: 0 };
      const [worktree, prepareMs] = await timed(() =>
        prepareWorktree({ cacheDir, access, branch: `aipm/warm-${i}` }),
      );
      phases.prepare = prepareMs;
      [, phases.sandbox] = await timed(async () => {
        const home = await createAgentHome(`bench-${i}`);
        const sandboxed = await sandboxCommand({
          command: `echo "Task ${i}" > CHANGE.md`,
          args: [],
          shell: true,
          worktree: worktree.dir,
          home: home.path,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.path },
          allow: [],
          exclude: [cacheDir],
        });
        if (!sandboxed) throw new Error("No /bin/sh for the sandbox.");
        const run = await runAgent({
          ...sandboxed,
          shell: false,
          cwd: worktree.dir,
          totalTimeoutMs: 30_000,
          idleTimeoutMs: 30_000,
          onOutput: () => {},
        });
        await sandboxed.close();
        await home.remove();
        if (run.exitCode !== 0) throw new Error(`The sandboxed change failed: ${JSON.stringify(run)}`);
      });
      const [committed, commitMs] = await timed(() =>
        commitAndPush({ worktree, access, message: `Task ${i}`, author: AUTHOR, protectedGlobs: PROTECTED }),
      );
      phases.commitAndPush = commitMs;
      if (!committed.commit) throw new Error(`Task ${i} committed nothing.`);
      [, phases.remove] = await timed(() => releaseWorktree(worktree));
      return phases;
    };

    /** The baseline: a full clone per task, the same change, commit, push, delete. */
    const cloneTask = async (i: number) => {
      const branch = `aipm/fresh-${i}`;
      const dir = join(workDir, "clones", `fresh-${i}`);
      const [, clone] = await timed(() =>
        git([...authConfig, "clone", "--quiet", "--branch", branch, access.cloneUrl, dir]),
      );
      await writeFile(join(dir, "CHANGE.md"), `Task ${i}\n`);
      const [, commitAndPush] = await timed(async () => {
        await git(["add", "--all"], { cwd: dir });
        await git(["commit", "--quiet", "--no-verify", "-m", `Task ${i}`], { cwd: dir });
        await git([...authConfig, "push", "--quiet", "origin", `HEAD:refs/heads/${branch}`], { cwd: dir });
      });
      const [, remove] = await timed(() => rm(dir, { recursive: true, force: true }));
      return { clone, commitAndPush, remove };
    };

    // Task 0 clones the mirror (the first task a worker ever runs for this repository).
    const [coldPhases, coldMs] = await timed(() => workerTask(0));
    const warm: { total: number; prepare: number; sandbox: number; commitAndPush: number; remove: number }[] =
      [];
    const fresh: { total: number; clone: number; commitAndPush: number; remove: number }[] = [];
    // Interleaved, so a busy moment of the machine hits both sides alike.
    for (let i = 1; i <= TASKS; i++) {
      const [workerPhases, workerMs] = await timed(() => workerTask(i));
      warm.push({ total: workerMs, ...workerPhases });
      const [clonePhases, cloneMs] = await timed(() => cloneTask(i));
      fresh.push({ total: cloneMs, ...clonePhases });
    }

    const w = summarize(warm.map((task) => task.total));
    const f = summarize(fresh.map((task) => task.total));
    const ratio = f.p50 / w.p50;
    const p50Of = (values: number[]) => ms(summarize(values).p50);
    const part = (label: string, values: number[]) => [label, "", p50Of(values), "", "", "", "", ""];
    printTable(
      `3. Worker overhead per task, agent excluded (${FILES.toLocaleString("en-US")}-file repository)`,
      ["way", "tasks", "p50", "p95", "min", "max", "target", "result"],
      [
        [
          "worker: warm mirror + pooled worktree, sandbox, commit, push, release",
          String(w.count),
          ms(w.p50),
          ms(w.p95),
          ms(w.min),
          ms(w.max),
          "p50 ≤ 500 ms",
          verdict(w.p50 <= 500),
        ],
        part(
          "  of which prepareWorktree (fetch + reset a pooled worktree)",
          warm.map((task) => task.prepare),
        ),
        part(
          "  of which the sandbox (bubblewrap, forwarder, egress proxy) around the change",
          warm.map((task) => task.sandbox),
        ),
        part(
          "  of which commitAndPush",
          warm.map((task) => task.commitAndPush),
        ),
        part(
          "  of which releaseWorktree",
          warm.map((task) => task.remove),
        ),
        [
          "baseline: fresh clone, commit, push, delete",
          String(f.count),
          ms(f.p50),
          ms(f.p95),
          ms(f.min),
          ms(f.max),
          "",
          "",
        ],
        part(
          "  of which git clone",
          fresh.map((task) => task.clone),
        ),
        part(
          "  of which add, commit, push",
          fresh.map((task) => task.commitAndPush),
        ),
        part(
          "  of which delete",
          fresh.map((task) => task.remove),
        ),
        [
          "speed-up, p50 (fresh clone ÷ worker)",
          "",
          `${ratio.toFixed(1)}×`,
          "",
          "",
          "",
          "≥ 5×",
          verdict(ratio >= 5),
        ],
        ["first task, cold mirror (clone --mirror + worktree, ...)", "1", ms(coldMs), "", "", "", "", ""],
      ],
      [
        `Measured: the worker's own prepareWorktree, commitAndPush and releaseWorktree (a one-file change in`,
        `between, standing in for the agent) on a bare repository of ${FILES.toLocaleString("en-US")} files in 100 folders,`,
        "served over HTTP by the API's nodeListener (git http-backend, pushes authorised with the admin",
        "token), on loopback. Each task has its own branch; the mirror stays warm from task to task. The",
        "baseline does the same change through a full `git clone` of the same URL per task, with the same",
        "git isolation, interleaved with the worker's tasks. The repository is one commit, so a clone moves",
        "no history: both ways mostly pay for writing 10,000 files. Checkouts, clones and the mirror live in",
        `${workDir} (${filesystem}; set TMPDIR to measure elsewhere). Cold-mirror prepare took ${ms(coldPhases.prepare)};`,
        `creating the repository (one commit) with git fast-import took ${ms(createMs)}.`,
      ],
    );
  } finally {
    await server.close();
    await local.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
