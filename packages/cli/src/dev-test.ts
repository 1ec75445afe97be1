/**
 * @module dev-test: the end-to-end API suite run against a deployed environment (or any URL): a
 * project, a story with two acceptance tests, its INVEST analysis, optionally a code generation,
 * then everything it created is deleted. One pass/fail line per step.
 */
import { terminalTaskStatuses } from "@aipm/shared/values";
import { apiBase, describeAnswer, type HttpResult, requestJson } from "./http.ts";
import { printable } from "./terminal-text.ts";

export type DevTestRepository =
  | { provider: "local" }
  | { provider: "github"; owner: string; name: string; defaultBranch?: string | undefined };

export interface DevTestOptions {
  url: string;
  token: string;
  /** The repository of the test project: a new local one (needs a local forge), or an existing GitHub one. */
  repository: DevTestRepository;
  /** Also start a code generation and wait for it to succeed. */
  generate: boolean;
  /** How long the code generation may take. */
  generateTimeoutMs: number;
  /** Each request's time limit. */
  timeoutMs: number;
  /** Receives one line per step as it finishes. */
  say: (line: string) => void;
}

export interface DevTestStep {
  name: string;
  status: "pass" | "fail" | "skip";
  ms: number;
  detail: string;
}

export interface DevTestResult {
  passed: boolean;
  steps: DevTestStep[];
}

class StepFailure extends Error {}

const TERMINAL: ReadonlySet<string> = new Set(terminalTaskStatuses);

/**
 * Runs the suite; resolves (never rejects) with every step's result. Cleanup runs whatever failed.
 *
 * @example const { passed } = await runDevTest({ url, token, repository: { provider: "local" }, generate: true, generateTimeoutMs: 120_000, timeoutMs: 10_000, say: console.log });
 */
export async function runDevTest(options: DevTestOptions): Promise<DevTestResult> {
  const url = apiBase(options.url);
  const steps: DevTestStep[] = [];
  const stamp = `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;

  const call = async (method: string, path: string, expected: number, body?: unknown) => {
    const result: HttpResult = await requestJson(`${url}${path}`, {
      method,
      token: options.token,
      body,
      timeoutMs: options.timeoutMs,
    });
    if (result.status !== expected) {
      throw new StepFailure(`${method} ${path} ${describeAnswer(result)} (expected ${expected})`);
    }
    return result.body as Record<string, unknown>;
  };

  const record = (step: DevTestStep) => {
    steps.push(step);
    options.say(
      printable(
        `${step.status.toUpperCase().padEnd(4)}  ${step.name}  (${step.ms} ms)${step.detail ? `  ${step.detail}` : ""}`,
      ),
    );
  };

  let failed = false;
  /** Runs a step unless an earlier one failed; returns its value, or undefined when it failed or was skipped. */
  const step = async <T>(name: string, work: () => Promise<{ value: T; detail: string }>, always = false) => {
    if (failed && !always) {
      record({ name, status: "skip", ms: 0, detail: "an earlier step failed" });
      return undefined;
    }
    const started = performance.now();
    try {
      const { value, detail } = await work();
      record({ name, status: "pass", ms: Math.round(performance.now() - started), detail });
      return value;
    } catch (error) {
      failed = true;
      record({
        name,
        status: "fail",
        ms: Math.round(performance.now() - started),
        detail: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  };

  await step("API health", async () => {
    const health = await call("GET", "/health", 200);
    return { value: null, detail: `version ${health.version}, commit ${health.commit}` };
  });

  const repository =
    options.repository.provider === "github"
      ? {
          provider: "github",
          owner: options.repository.owner,
          name: options.repository.name,
          defaultBranch: options.repository.defaultBranch ?? "main",
        }
      : { provider: "local", owner: "dev-test", name: `dev-test-${stamp}`, defaultBranch: "main" };
  const projectId = await step("create project", async () => {
    try {
      const project = await call("POST", "/api/projects", 201, {
        name: `dev-test ${stamp}`,
        description: "Created by aipm dev-test; deleted at its end.",
        repository,
      });
      return {
        value: String(project.id),
        detail: `${project.id} on ${repository.provider} ${repository.owner}/${repository.name}`,
      };
    } catch (error) {
      if (repository.provider === "local" && error instanceof StepFailure && error.message.includes(" 422")) {
        throw new StepFailure(
          `${error.message}. This deployment has no local git forge: pass --github-owner and --github-repo (a repository its GitHub token can write to).`,
        );
      }
      throw error;
    }
  });

  const storyId = await step("create story", async () => {
    const story = await call("POST", `/api/projects/${projectId}/stories`, 201, {
      title: "Pay by card",
      asA: "shopper",
      iWant: "to pay for my order by card",
      soThat: "I get my order without a bank transfer",
      description: "dev-test story",
      storyPoints: 3,
    });
    return { value: String(story.id), detail: String(story.id) };
  });

  for (const [index, title] of [
    "A valid card is charged",
    "A declined card shows the bank's reason",
  ].entries()) {
    await step(`add acceptance test ${index + 1}`, async () => {
      const test = await call("POST", `/api/stories/${storyId}/acceptance-tests`, 201, {
        title,
        given: [`a cart with ${index + 1} items`],
        when: ["I pay by card"],
        then: [index === 0 ? "the card is charged and I see a receipt" : "I see the bank's reason"],
      });
      return { value: null, detail: String(test.id) };
    });
  }

  await step("read the story back", async () => {
    const { stories } = (await call("GET", `/api/projects/${projectId}/stories`, 200)) as unknown as {
      stories: { id: string; acceptanceTests: unknown[] }[];
    };
    const story = stories.find((candidate) => candidate.id === storyId);
    if (!story) throw new StepFailure(`story ${storyId} is not in its project's stories`);
    if (story.acceptanceTests.length !== 2) {
      throw new StepFailure(`the story has ${story.acceptanceTests.length} acceptance tests, not 2`);
    }
    return { value: null, detail: "2 acceptance tests" };
  });

  await step("INVEST analysis", async () => {
    const analysis = (await call("GET", `/api/stories/${storyId}/invest`, 200)) as {
      score?: unknown;
      warnings?: unknown;
    };
    if (typeof analysis.score !== "number" || analysis.score < 0 || analysis.score > 100) {
      throw new StepFailure(`the score is ${JSON.stringify(analysis.score)}, not a number from 0 to 100`);
    }
    if (!Array.isArray(analysis.warnings)) throw new StepFailure("the analysis has no list of warnings");
    return { value: null, detail: `score ${analysis.score}, ${analysis.warnings.length} warnings` };
  });

  let taskId: string | undefined;
  if (options.generate) {
    taskId = await step("start code generation", async () => {
      const started = (await call("POST", `/api/stories/${storyId}/code-generations`, 202, {})) as {
        task: { id: string };
        pullRequest: { url: string };
      };
      return {
        value: started.task.id,
        detail: `${started.task.id}, pull request ${started.pullRequest.url}`,
      };
    });
    await step("code generation succeeded", async () => {
      const deadline = Date.now() + options.generateTimeoutMs;
      for (;;) {
        const task = (await call("GET", `/api/tasks/${taskId}`, 200)) as {
          status: string;
          commit: string | null;
          error: { code: string; message: string } | null;
        };
        // The scaffold's skeletons fail until implemented: with a test command, that is the expected end.
        if (task.status === "succeeded" || task.status === "succeeded_with_failures")
          return {
            value: null,
            detail: `commit ${task.commit}${task.status === "succeeded" ? "" : ", its tests fail (succeeded_with_failures)"}`,
          };
        if (TERMINAL.has(task.status)) {
          throw new StepFailure(
            `the task ended ${task.status}${task.error ? `: ${task.error.code}: ${task.error.message}` : ""}`,
          );
        }
        if (Date.now() >= deadline) {
          throw new StepFailure(
            `the task is still ${task.status} after ${options.generateTimeoutMs / 1000} s`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });
  }

  if (projectId) {
    await step(
      "clean up",
      async () => {
        if (taskId) {
          const task = (await call("GET", `/api/tasks/${taskId}`, 200)) as { status: string };
          if (!TERMINAL.has(task.status)) await call("POST", `/api/tasks/${taskId}/cancel`, 202);
        }
        await call("DELETE", `/api/projects/${projectId}?cascade=true`, 204);
        return { value: null, detail: `deleted ${projectId} and its stories` };
      },
      true,
    );
  }
  return { passed: steps.every((candidate) => candidate.status !== "fail"), steps };
}
