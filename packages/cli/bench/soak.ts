/**
 * Soak bench: `aipm start` as a child process (fresh AIPM_DATA_DIR, a free PORT), one story with
 * the most acceptance tests and steps the limits allow, then 20 clients reading (the story, its
 * tests, the project's stories) and writing (a test's PATCH, a dependency added and removed) for
 * SOAK_SECONDS (60). Then the project grows to the most stories it may hold (SOAK_PROJECT_STORIES,
 * 10,000; 0 skips it) and 20 clients read all of them at once, three times each: the heap cap of
 * `pnpm start` must hold for the largest read too. It samples the child's VmHWM/VmRSS and prints
 * the peak (target ≤ 512 MB) and the errors (target 0), ending with
 * `soak: peak_rss_mb=X requests=N errors=N`.
 *
 * The child is started as `pnpm start` starts it: the `node` flags of package.json's start script.
 *
 * Run: pnpm --filter @aipm/cli soak
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { acceptanceTestLimits, collectionLimits } from "@aipm/shared/values";

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const projectStories = Number(process.env.SOAK_PROJECT_STORIES ?? collectionLimits.storiesPerProject);
const clients = 20;
const repoRoot = resolve(import.meta.dirname, "../../..");

/** The arguments `pnpm start` gives node: what follows `exec node` in package.json's start script. */
function startArguments(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  const command = /exec node (.+)$/.exec(scripts.start)?.[1];
  if (!command)
    throw new Error(`package.json's start script does not end in "exec node ...": ${scripts.start}`);
  return command.split(/\s+/);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The child's resident set now and at its peak, in MB, from /proc/<pid>/status. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "aipm-soak-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = startArguments();
  console.log(`aipm start as pnpm start runs it: node ${args.join(" ")}`);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, AIPM_DATA_DIR: dataDir, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let childErr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    childErr = (childErr + chunk.toString()).slice(-4000);
  });
  const pid = child.pid ?? 0;
  try {
    for (let waited = 0; ; waited += 250) {
      if (child.exitCode !== null) throw new Error(`aipm start exited (${child.exitCode}): ${childErr}`);
      if (waited > 120_000) throw new Error(`aipm start did not answer /health in 2 minutes: ${childErr}`);
      const up = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : null;
    };

    const project = await call("POST", "/api/projects", {
      name: "Soak",
      repository: { provider: "local", owner: "soak", name: "soak" },
    });
    const story = await call("POST", `/api/projects/${project.id}/stories`, {
      title: "The largest story",
      asA: "a".repeat(500),
      iWant: "w".repeat(2_000),
      soThat: "s".repeat(2_000),
      description: "d".repeat(20_000),
    });
    const others: { id: string }[] = [];
    for (let i = 0; i < 5; i++) {
      others.push(
        await call("POST", `/api/projects/${project.id}/stories`, {
          title: `Other ${i}`,
          asA: "a",
          iWant: "b",
          soThat: "c",
        }),
      );
    }
    // The largest a test may be written: each of its Given, When and Then at stepsCharacters,
    // in steps of at most `step` characters.
    const { step, steps: maxSteps, stepsCharacters } = acceptanceTestLimits;
    const lengths: number[] = [];
    for (let left = stepsCharacters; left > 0 && lengths.length < maxSteps; left -= step)
      lengths.push(Math.min(step, left));
    const steps = (letter: string) =>
      lengths.map((length, i) => `${letter}${i} `.padEnd(length, letter).slice(0, length));
    const testIds: string[] = [];
    for (let i = 0; i < collectionLimits.acceptanceTestsPerStory; i += 10) {
      const made = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          call("POST", `/api/stories/${story.id}/acceptance-tests`, {
            title: `Test ${i + j}`,
            given: steps("g"),
            when: steps("w"),
            then: steps("t"),
          }),
        ),
      );
      testIds.push(...made.map((test: { id: string }) => test.id));
    }
    const setup = memory(pid);
    console.log(
      `set up: ${testIds.length} tests × 3 × ${stepsCharacters} characters of steps; rss ${setup.rss.toFixed(0)} MB`,
    );

    let requests = 0;
    let errors = 0;
    let peak = setup.hwm;
    const firstErrors: string[] = [];
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, memory(pid).hwm);
      } catch {}
    }, 200);
    const until = Date.now() + seconds * 1000;
    const client = async (n: number) => {
      for (let round = 0; Date.now() < until; round++) {
        const testId = testIds[(n * 7 + round) % testIds.length];
        const other = others[n % others.length] as { id: string };
        const ops: [string, string, unknown?][] = [
          ["GET", `/api/stories/${story.id}`],
          ["GET", `/api/stories/${story.id}/acceptance-tests`],
          ["GET", `/api/projects/${project.id}/stories`],
          ["PATCH", `/api/acceptance-tests/${testId}`, { title: `Test ${n}.${round}` }],
          ["POST", `/api/stories/${story.id}/dependencies`, { dependsOnId: other.id }],
          ["DELETE", `/api/stories/${story.id}/dependencies/${other.id}`],
        ];
        const [method, path, body] = ops[round % ops.length] as [string, string, unknown?];
        requests++;
        try {
          await call(method, path, body);
        } catch (error) {
          // A dependency another client removed first answers 404, and a concurrent structure
          // change 409: both are races the clients make, not failures of the server.
          const text = String(error);
          if (/: (404|409) /.test(text) && path.includes("/dependencies")) continue;
          errors++;
          if (firstErrors.length < 5) firstErrors.push(text);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
    peak = Math.max(peak, memory(pid).hwm);
    console.log(
      `${clients} clients, ${seconds} s: ${requests} requests, ${errors} errors; peak RSS ${peak.toFixed(0)} MB`,
    );

    if (projectStories > 0) {
      const have = others.length + 1;
      let next = have;
      const grow = async () => {
        for (let n = next++; n < projectStories; n = next++)
          await call("POST", `/api/projects/${project.id}/stories`, {
            title: `Story ${n}`,
            asA: "a",
            iWant: "b",
          });
      };
      await Promise.all(Array.from({ length: 8 }, grow));
      const reads: number[] = [];
      const reader = async () => {
        for (let round = 0; round < 3; round++) {
          const started = performance.now();
          requests++;
          try {
            const { stories } = (await call("GET", `/api/projects/${project.id}/stories`)) as {
              stories: unknown[];
            };
            if (stories.length !== projectStories)
              throw new Error(`listed ${stories.length} of ${projectStories} stories`);
            reads.push(performance.now() - started);
          } catch (error) {
            errors++;
            if (firstErrors.length < 5) firstErrors.push(String(error));
          }
        }
      };
      await Promise.all(Array.from({ length: clients }, reader));
      reads.sort((a, b) => a - b);
      peak = Math.max(peak, memory(pid).hwm);
      console.log(
        `${projectStories.toLocaleString("en")} stories read by ${clients} clients at once, 3 times each: p50 ${(reads[Math.floor(reads.length / 2)] ?? 0).toFixed(0)} ms, max ${(reads.at(-1) ?? 0).toFixed(0)} ms; peak RSS ${peak.toFixed(0)} MB`,
      );
    }
    clearInterval(sampler);
    for (const line of firstErrors) console.log(`error: ${line}`);
    console.log(
      `in all: ${requests} requests, ${errors} errors; peak RSS ${peak.toFixed(0)} MB (target ≤ 512 MB, 0 errors)`,
    );
    console.log(`soak: peak_rss_mb=${peak.toFixed(0)} requests=${requests} errors=${errors}`);
    if (errors > 0 || peak > 512) process.exitCode = 1;
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
