/**
 * The GitHub Actions workflows (issue 8): parsed, checked against the shape GitHub accepts (a small
 * schema check: actionlint cannot be installed here), and held to the deployment rules: AWS
 * credentials only through OIDC, one deployment of a stack at a time, prod behind its environment.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const workflowsDir = join(root, ".github", "workflows");
const files = readdirSync(workflowsDir)
  .filter((name) => name.endsWith(".yml"))
  .sort();
const texts = Object.fromEntries(files.map((name) => [name, readFileSync(join(workflowsDir, name), "utf8")]));

/**
 * The `yaml` package, which is installed (as vite's YAML parser, through vitest) but is not a
 * dependency of this package: it is found through vitest, and the parsed checks are skipped, not
 * failed, should a future vite stop bringing it.
 */
function loadYamlParser(): ((text: string) => unknown) | undefined {
  try {
    const fromVitest = createRequire(createRequire(import.meta.url).resolve("vitest/package.json"));
    const yaml = createRequire(fromVitest.resolve("vite"))("yaml") as { parse: (text: string) => unknown };
    return yaml.parse;
  } catch {
    return undefined;
  }
}
const parseYaml = loadYamlParser();

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  name?: string;
  if?: string;
  "runs-on": string;
  container?: string | { image: string; options?: string };
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  steps: Step[];
  [key: string]: unknown;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const WORKFLOW_KEYS = new Set([
  "name",
  "run-name",
  "on",
  "permissions",
  "env",
  "defaults",
  "concurrency",
  "jobs",
]);
const JOB_KEYS = new Set([
  "name",
  "needs",
  "if",
  "runs-on",
  "container",
  "services",
  "environment",
  "permissions",
  "concurrency",
  "outputs",
  "env",
  "defaults",
  "timeout-minutes",
  "strategy",
  "continue-on-error",
  "steps",
]);
const STEP_KEYS = new Set([
  "id",
  "name",
  "if",
  "uses",
  "run",
  "with",
  "env",
  "shell",
  "working-directory",
  "continue-on-error",
  "timeout-minutes",
]);
const PERMISSION_SCOPES = new Set([
  "actions",
  "checks",
  "contents",
  "deployments",
  "id-token",
  "issues",
  "packages",
  "pages",
  "pull-requests",
  "security-events",
  "statuses",
]);
const EVENTS = new Set(["pull_request", "push", "workflow_dispatch"]);

/** A GitHub Actions expression as it appears in a workflow file: `${{ expression }}`. */
const gh = (expression: string) => `\${{ ${expression} }}`;

describe("the workflow files", () => {
  it("are the four the issue asks for", () => {
    expect(files).toEqual(["ci.yml", "deploy-dev.yml", "deploy-prod.yml", "rollback.yml"]);
  });

  it("never hold AWS keys: no access key inputs, no AWS secrets", () => {
    for (const [name, text] of Object.entries(texts)) {
      expect(text, name).not.toMatch(
        /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/,
      );
      expect(text, name).not.toMatch(/secrets\.AWS_/);
    }
  });

  it("never paste an input or event text into a script (script injection)", () => {
    for (const [name, text] of Object.entries(texts)) {
      const runs = text.split("\n").filter((line) => /^\s*(- )?run: /.test(line));
      for (const line of runs) expect(line, name).not.toMatch(/\$\{\{\s*(inputs|github\.event)\./);
    }
  });

  it("run scripts that exist and are executable", () => {
    for (const [name, text] of Object.entries(texts)) {
      for (const [, script] of text.matchAll(/run: ((?:bin\/|\.ci\/)[\w-]+)/g)) {
        const mode = statSync(join(root, script ?? "")).mode;
        expect(mode & 0o111, `${name}: ${script}`).not.toBe(0);
      }
    }
  });
});

describe.skipIf(!parseYaml)("the workflows, parsed", () => {
  const workflows = Object.fromEntries(
    files.map((name) => [name, (parseYaml as (text: string) => unknown)(texts[name] ?? "") as Workflow]),
  );
  const jobs = (name: string) => Object.entries(workflows[name]?.jobs ?? {});
  const awsSteps = (job: Job) =>
    job.steps.filter((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
  /** The permissions a job runs with: its own, else the workflow's. */
  const permissionsOf = (name: string, job: Job) => job.permissions ?? workflows[name]?.permissions ?? {};

  it("have the shape GitHub accepts", () => {
    for (const [name, workflow] of Object.entries(workflows)) {
      expect(
        Object.keys(workflow).filter((key) => !WORKFLOW_KEYS.has(key)),
        name,
      ).toEqual([]);
      expect(workflow.name, name).toBeTruthy();
      expect(
        Object.keys(workflow.on).filter((event) => !EVENTS.has(event)),
        name,
      ).toEqual([]);
      for (const permissions of [
        workflow.permissions,
        ...Object.values(workflow.jobs).map((job) => job.permissions),
      ]) {
        for (const [scope, level] of Object.entries(permissions ?? {})) {
          expect(PERMISSION_SCOPES.has(scope), `${name}: ${scope}`).toBe(true);
          expect(["read", "write", "none"], `${name}: ${scope}`).toContain(level);
        }
      }
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect(id, name).toMatch(/^[a-z][\w-]*$/);
        expect(
          Object.keys(job).filter((key) => !JOB_KEYS.has(key)),
          `${name} ${id}`,
        ).toEqual([]);
        expect(job["runs-on"], `${name} ${id}`).toBe("ubuntu-latest");
        expect(job.steps.length, `${name} ${id}`).toBeGreaterThan(0);
        for (const step of job.steps) {
          expect(
            Object.keys(step).filter((key) => !STEP_KEYS.has(key)),
            `${name} ${id}`,
          ).toEqual([]);
          expect(
            Number(step.uses !== undefined) + Number(step.run !== undefined),
            `${name} ${id}: one of uses, run`,
          ).toBe(1);
          if (step.uses) expect(step.uses, `${name} ${id}`).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
          // Inputs and event text reach scripts as environment variables, never pasted in.
          if (step.run) expect(step.run, `${name} ${id}`).not.toMatch(/\$\{\{\s*(inputs|github\.event)\./);
        }
      }
      const text = texts[`${name}`] ?? "";
      expect(text.split("${{").length, `${name}: balanced expressions`).toBe(text.split("}}").length);
    }
  });

  it("run pnpm test on pull requests and pushes to main, as .ci/run does, on Node 20", () => {
    const ci = workflows["ci.yml"] as Workflow;
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    expect(ci.on.push).toEqual({ branches: ["main"] });
    const [[, job] = []] = jobs("ci.yml");
    const container = typeof job?.container === "string" ? { image: job.container } : job?.container;
    expect(container?.image).toMatch(/^node:20-/);
    // bubblewrap's user namespaces, refused by Docker's default profiles.
    expect(container?.options).toContain("seccomp=unconfined");
    expect(job?.steps.map((step) => step.run ?? step.uses)).toEqual(["actions/checkout@v4", ".ci/run"]);
    const script = readFileSync(join(root, ".ci", "run"), "utf8");
    expect(script).toContain("pnpm@10.34.9");
    expect(script).toContain("apt-get install -y -qq");
    expect(script).toContain("missing+=(chromium)");
    expect(script).toContain("missing+=(bubblewrap)");
    expect(script).toMatch(/\npnpm test\n/);
    expect(ci.permissions).toEqual({ contents: "read" });
  });

  it("assume AWS roles through OIDC only: id-token write, the environment's role variable, no keys", () => {
    const roles: Record<string, string[]> = {};
    for (const name of files) {
      for (const [id, job] of jobs(name)) {
        const steps = awsSteps(job);
        if (steps.length === 0) {
          expect(permissionsOf(name, job)["id-token"], `${name} ${id}`).toBeUndefined();
          continue;
        }
        expect(permissionsOf(name, job)["id-token"], `${name} ${id}`).toBe("write");
        for (const step of steps) {
          expect(Object.keys(step.with ?? {}).sort(), `${name} ${id}`).toEqual([
            "aws-region",
            "role-to-assume",
          ]);
          roles[`${name} ${id}`] = [
            ...String(step.with?.["role-to-assume"]).matchAll(/vars\.(AWS_DEPLOY_ROLE_ARN_\w+)/g),
          ].map((match) => match[1] ?? "");
        }
      }
    }
    expect(roles).toEqual({
      "deploy-dev.yml preview": ["AWS_DEPLOY_ROLE_ARN_DEV"],
      "deploy-dev.yml deploy": ["AWS_DEPLOY_ROLE_ARN_DEV"],
      "deploy-prod.yml deploy": ["AWS_DEPLOY_ROLE_ARN_PROD"],
      "rollback.yml rollback": ["AWS_DEPLOY_ROLE_ARN_PROD", "AWS_DEPLOY_ROLE_ARN_DEV"],
    });
    for (const workflow of Object.values(workflows)) {
      expect(workflow.permissions).toEqual({ contents: "read" });
    }
  });

  it("never run two deployments of one stack at once, and never cancel one that runs", () => {
    const groups: Record<string, unknown> = {};
    for (const name of files) {
      for (const [id, job] of jobs(name)) {
        if (!job.steps.some((step) => /^bin\/(deploy|rollback)/.test(step.run ?? ""))) continue;
        groups[`${name} ${id}`] = job.concurrency ?? workflows[name]?.concurrency;
      }
    }
    expect(groups).toEqual({
      "deploy-dev.yml deploy": { group: "deploy-dev", "cancel-in-progress": false },
      "deploy-prod.yml deploy": { group: "deploy-prod", "cancel-in-progress": false },
      "rollback.yml rollback": { group: `deploy-${gh("inputs.environment")}`, "cancel-in-progress": false },
    });
  });

  it("preview dev on pull requests as a comment, and deploy dev on demand or by label", () => {
    const workflow = workflows["deploy-dev.yml"] as Workflow;
    expect(workflow.on).toEqual({
      pull_request: { types: ["opened", "synchronize", "reopened", "labeled"] },
      workflow_dispatch: null,
    });
    const preview = workflow.jobs.preview as Job;
    expect(preview.steps.at(-1)).toMatchObject({
      uses: "pulumi/actions@v6",
      with: { command: "preview", "stack-name": "dev", "work-dir": "stacks/dev", "comment-on-pr": true },
    });
    expect(preview.permissions?.["pull-requests"]).toBe("write");
    const deploy = workflow.jobs.deploy as Job;
    expect(deploy.if).toContain("github.event_name == 'workflow_dispatch'");
    expect(deploy.if).toContain("github.event.label.name == 'deploy-dev'");
    expect(deploy.environment).toEqual({ name: "dev" });
    expect(deploy.steps.at(-1)?.run).toBe("bin/deploy-dev");
  });

  it("deploy prod from main in the prod environment, which holds it for approval", () => {
    const workflow = workflows["deploy-prod.yml"] as Workflow;
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
    const [[, job] = []] = jobs("deploy-prod.yml");
    expect(job?.environment).toEqual({ name: "prod" });
    expect(job?.steps.at(-1)?.run).toBe("bin/deploy-prod");
  });

  it("roll back by hand, with the environment and the target update as inputs", () => {
    const workflow = workflows["rollback.yml"] as Workflow;
    const dispatch = workflow.on.workflow_dispatch as {
      inputs: Record<string, { type: string; options?: string[] }>;
    };
    expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch"]);
    expect(dispatch.inputs.environment).toMatchObject({ type: "choice", options: ["dev", "prod"] });
    expect(dispatch.inputs.target).toMatchObject({ type: "string" });
    const job = workflow.jobs.rollback as Job;
    expect(job.environment).toEqual({ name: gh("inputs.environment") });
    expect(job.steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
    expect(job.steps.at(-1)).toMatchObject({
      run: `bin/rollback "$ENVIRONMENT" \${TARGET:+--to "$TARGET"}`,
      env: { ENVIRONMENT: gh("inputs.environment"), TARGET: gh("inputs.target") },
    });
  });
});
