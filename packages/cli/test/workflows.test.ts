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
 * dependency of this package: it is found through vitest. The parsed checks hold the secrets'
 * scoping, so they fail, not skip, should a future vite stop bringing it (then add `yaml`, pinned,
 * to this package's devDependencies).
 */
function loadYamlParser(): (text: string) => unknown {
  const fromVitest = createRequire(createRequire(import.meta.url).resolve("vitest/package.json"));
  const yaml = createRequire(fromVitest.resolve("vite"))("yaml") as { parse: (text: string) => unknown };
  return yaml.parse;
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

describe("the workflows, parsed", () => {
  const workflows = Object.fromEntries(files.map((name) => [name, parseYaml(texts[name] ?? "") as Workflow]));
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
            ...String(step.with?.["role-to-assume"]).matchAll(/vars\.(AWS_(?:DEPLOY|PREVIEW)_ROLE_ARN_\w+)/g),
          ].map((match) => match[1] ?? "");
        }
      }
    }
    expect(roles).toEqual({
      "deploy-dev.yml preview": ["AWS_PREVIEW_ROLE_ARN_DEV"],
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
    expect(Object.keys(workflow.on)).toEqual(["push", "workflow_dispatch"]);
    expect(workflow.on.push).toEqual({ branches: ["main"] });
    const job = workflow.jobs.deploy as Job;
    expect(job.environment).toEqual({ name: "prod" });
    expect(job.needs).toBe("approval");
    expect(job.if).toBe("needs.approval.outputs.approved == 'true'");
    expect(job.steps.at(-1)?.run).toBe("bin/deploy-prod");
  });

  it("gate prod in the workflow where the plan has no required reviewers: a dispatch on main by a listed approver", () => {
    const workflow = workflows["deploy-prod.yml"] as Workflow;
    const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { type: string }> };
    expect(dispatch.inputs.approve).toMatchObject({ type: "string" });
    const gate = (workflow.jobs.approval as Job).steps[0] as Step;
    expect(gate.env).toMatchObject({
      GATE: gh("vars.AIPM_PROD_GATE"),
      APPROVERS: gh("vars.AIPM_PROD_APPROVERS"),
      ACTOR: gh("github.triggering_actor"),
      APPROVE: gh("inputs.approve"),
    });
    expect(gate.run).toContain('[ "$REF" != "refs/heads/main" ]');
    expect(gate.run).toContain('*",$ACTOR,"*) echo "approved=true"');
    const rollbackGate = ((workflows["rollback.yml"] as Workflow).jobs.rollback as Job).steps[0] as Step;
    expect(rollbackGate.env).toMatchObject({
      GATE: gh("vars.AIPM_PROD_GATE"),
      ACTOR: gh("github.triggering_actor"),
    });
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
    expect(job.steps[1]).toMatchObject({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
    expect(job.steps.at(-1)).toMatchObject({
      run: `bin/rollback "$ENVIRONMENT" \${TARGET:+--to "$TARGET"}`,
      env: { ENVIRONMENT: gh("inputs.environment"), TARGET: gh("inputs.target") },
    });
  });
});

describe("the workflows' secrets", () => {
  const workflows = Object.fromEntries(files.map((name) => [name, parseYaml(texts[name] ?? "") as Workflow]));
  /** The secrets a job can read: every `secrets.X` in it, and in its workflow's env. */
  const secretsOf = (workflow: Workflow, job: Job) =>
    [...`${JSON.stringify(workflow.env ?? {})}${JSON.stringify(job)}`.matchAll(/secrets\.(\w+)/g)]
      .map((match) => match[1] ?? "")
      .filter((name, index, all) => all.indexOf(name) === index)
      .sort();
  const environmentOf = (job: Job) =>
    typeof job.environment === "string" ? job.environment : job.environment?.name;
  const allJobs = Object.entries(workflows).flatMap(([name, workflow]) =>
    Object.entries(workflow.jobs).map(([id, job]) => ({ at: `${name} ${id}`, workflow, job })),
  );

  it("are never workflow-wide", () => {
    for (const [name, workflow] of Object.entries(workflows)) {
      expect(JSON.stringify(workflow.env ?? {}), name).not.toContain("secrets.");
    }
  });

  it("are read only by jobs in a GitHub environment, whose secrets they are (GITHUB_TOKEN aside)", () => {
    const readers: Record<string, unknown> = {};
    for (const { at, workflow, job } of allJobs) {
      const secrets = secretsOf(workflow, job).filter((name) => name !== "GITHUB_TOKEN");
      if (secrets.length > 0) readers[at] = { environment: environmentOf(job), secrets };
    }
    expect(readers).toEqual({
      "deploy-dev.yml preview": { environment: "preview", secrets: ["PULUMI_ACCESS_TOKEN"] },
      "deploy-dev.yml deploy": { environment: "dev", secrets: ["AIPM_API_TOKEN", "PULUMI_ACCESS_TOKEN"] },
      "deploy-prod.yml deploy": { environment: "prod", secrets: ["AIPM_API_TOKEN", "PULUMI_ACCESS_TOKEN"] },
      "rollback.yml rollback": {
        environment: gh("inputs.environment"),
        secrets: ["AIPM_API_TOKEN", "PULUMI_ACCESS_TOKEN"],
      },
    });
  });

  it("give a pull request's jobs nothing that decrypts or deploys prod", () => {
    const pullRequestJobs = allJobs.filter(({ workflow, job }) => {
      if (!("pull_request" in workflow.on)) return false;
      // A job limited to other events never runs for a pull request.
      return !/^github\.event_name == '(push|workflow_dispatch)'$/.test(job.if ?? "");
    });
    expect(pullRequestJobs.map(({ at }) => at)).toEqual([
      "ci.yml test",
      "deploy-dev.yml preview",
      "deploy-dev.yml deploy",
    ]);
    for (const { at, workflow, job } of pullRequestJobs) {
      const text = JSON.stringify(job);
      expect(environmentOf(job), at).not.toBe("prod");
      expect(text, at).not.toMatch(/_PROD\b/);
      expect(text, at).not.toContain("inputs.environment");
      if (at === "deploy-dev.yml preview") {
        // The preview, which runs on every push of every pull request: its Pulumi token from the
        // `preview` environment, the read-only preview role, no API token.
        expect(environmentOf(job)).toBe("preview");
        expect(secretsOf(workflow, job)).toEqual(["GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN"]);
        expect(text).not.toContain("AWS_DEPLOY_ROLE_ARN");
      }
    }
  });

  it("reach each environment's API token only through the job scoped to that environment", () => {
    for (const { at, job } of allJobs) {
      if (!JSON.stringify(job).includes("secrets.AIPM_API_TOKEN")) continue;
      expect(["dev", "prod", gh("inputs.environment")], at).toContain(environmentOf(job));
      const role = JSON.stringify(job.steps.map((step) => step.with?.["role-to-assume"]));
      if (environmentOf(job) === "dev") expect(role, at).not.toContain("PROD");
      if (environmentOf(job) === "prod") expect(role, at).not.toContain("_DEV");
    }
  });
});
