import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  stopTimeoutSeconds,
  type WorkerUserDataOptions,
  workerEnvironment,
  workerUserData,
} from "./user-data.ts";

const anthropicArn =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aipm/prod/model/ANTHROPIC_API_KEY-AbCdEf";
const options: WorkerUserDataOptions = {
  environment: "prod",
  version: "4f2c9e1",
  region: "eu-west-1",
  artifactsBucket: "aipm-prod-workers-artifacts-1a2b3c",
  bundleKey: "worker/4f2c9e1/worker.mjs",
  githubTokenSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aipm-prod-github-token-AbCdEf",
  logGroupName: "/aipm/prod/worker",
  nodeMajor: 22,
  concurrency: 2,
  port: 8080,
  agentPackages: [
    { name: "@anthropic-ai/claude-code", version: "2.1.332" },
    { name: "@openai/codex", version: "0.171.0" },
  ],
  modelSecretArns: { ANTHROPIC_API_KEY: anthropicArn },
  groupName: "aipm-prod-workers",
  lifecycleHookName: "aipm-prod-drain",
  agentTimeoutSeconds: 1800,
  drainGraceSeconds: 2100,
  shutdownGraceSeconds: 20,
};

/** The variable names packages/worker/src/env.ts reads (the keys of its zod schema). */
function workerEnvKeys(): string[] {
  const source = readFileSync(new URL("../../worker/src/env.ts", import.meta.url), "utf8");
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? "");
}

/** The text of the heredoc `name` writes (`cat > <path> <<'NAME'` ... `NAME`) whose path holds `path`. */
function heredoc(script: string, path: string): string {
  const match = new RegExp(`cat > ${path.replace(/[./]/g, "\\$&")} <<'(\\w+)'\\n([\\s\\S]*?)\\n\\1\\n`).exec(
    script,
  );
  if (!match?.[2]) throw new Error(`No heredoc writes ${path}.`);
  return match[2];
}

describe("workerUserData: first boot", () => {
  const script = workerUserData(options);

  it("is a bash script that stops at the first failure, traps included", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("set -Eeuo pipefail");
  });

  it("installs Node.js, git and bubblewrap from the distribution's packages, with retries, downloading no Node", () => {
    expect(script).toMatch(/^retry dnf install -y [^\n]*\bbubblewrap\b[^\n]*\bnodejs22 nodejs22-npm$/m);
    expect(script).toMatch(/^retry dnf install -y git /m);
    expect(script).toContain("ln -sfn /usr/bin/node-22 /opt/aipm/node/bin/node");
    expect(script).toContain("node --version | grep -q '^v22\\.'");
    expect(script).not.toContain("nodejs.org");
    expect(script).toContain("user.max_user_namespaces");
  });

  it("installs the configured agent CLIs at their pinned releases from npm, with retries", () => {
    expect(script).toContain(
      "retry npm install --global --prefix /opt/aipm/agents --no-fund --no-audit --no-update-notifier @anthropic-ai/claude-code@2.1.332 @openai/codex@0.171.0",
    );
    const none = workerUserData({ ...options, agentPackages: [] });
    expect(none).not.toContain("npm install");
    expect(none).toContain("No agent CLI configured");
  });

  it("retries every download: instance id, packages and the bundle of the deployed version", () => {
    expect(script).toMatch(/retry\(\) \{[\s\S]*until "\$@"; do[\s\S]*-ge 5[\s\S]*sleep/);
    expect(script).toContain("INSTANCE_ID=$(retry imds instance-id)");
    expect(script).toContain(
      'retry aws s3 cp "s3://aipm-prod-workers-artifacts-1a2b3c/worker/4f2c9e1/worker.mjs" /opt/aipm/worker/4f2c9e1/worker.mjs',
    );
  });

  it("marks the instance unhealthy when the boot fails, so the group replaces it at once", () => {
    expect(script).toContain("trap 'mark_unhealthy $LINENO' ERR");
    expect(script).toMatch(
      /aws autoscaling set-instance-health --region eu-west-1 --instance-id "\$INSTANCE_ID" \\\n\s+--health-status Unhealthy --no-should-respect-grace-period/,
    );
    expect(script.indexOf("trap 'mark_unhealthy")).toBeLessThan(script.indexOf("retry dnf install"));
  });

  it("uses IMDSv2 (a session token) to learn the instance id it runs as", () => {
    expect(script).toContain("X-aws-ec2-metadata-token-ttl-seconds");
    expect(script).toContain('echo "AIPM_WORKER_ID=$INSTANCE_ID" >> /etc/aipm/worker.env');
  });

  it("ships the worker's output to its log group", () => {
    expect(script).toContain('"log_group_name":"/aipm/prod/worker"');
    expect(script).toContain("amazon-cloudwatch-agent-ctl -a fetch-config");
  });

  it("refuses values a shell or systemd would interpret, naming the option", () => {
    expect(() => workerUserData({ ...options, version: "1.0; rm -rf /" })).toThrow(/option version/);
    expect(() => workerUserData({ ...options, artifactsBucket: "a$(id)" })).toThrow(/option artifactsBucket/);
    expect(() =>
      workerUserData({ ...options, agentPackages: [{ name: "x", version: "1 && curl evil" }] }),
    ).toThrow(/option agentPackages/);
    expect(() => workerUserData({ ...options, modelSecretArns: { KEY: "arn:$(id)" } })).toThrow(
      /option modelSecretArns/,
    );
    expect(() => workerUserData({ ...options, nodeMajor: 18 })).toThrow(/nodeMajor/);
  });
});

describe("workerUserData: the host the agents run on", () => {
  const script = workerUserData(options);
  const unit = heredoc(script, "/etc/systemd/system/aipm-worker.service");

  it("runs the worker under systemd as the unprivileged system user aipm, never root", () => {
    expect(script).toContain(
      "useradd --system --create-home --home-dir /var/lib/aipm --shell /sbin/nologin aipm",
    );
    expect(unit).toContain("User=aipm\nGroup=aipm\n");
    expect(unit).toContain("ExecStart=/opt/aipm/node/bin/node /opt/aipm/worker/4f2c9e1/worker.mjs");
    expect(unit).toContain("NoNewPrivileges=true");
    expect(unit).toContain(
      "Environment=PATH=/opt/aipm/agents/bin:/opt/aipm/node/bin:/usr/local/bin:/usr/bin:/bin",
    );
    expect(script).toContain("systemctl enable --now aipm-worker.service");
  });

  it("delegates the unit's control group, for each run's memory and process limits", () => {
    expect(unit).toMatch(/^Delegate=yes$/m);
  });

  it("gives the worker its settings through an env file of root's, mode 600, that systemd reads for it", () => {
    const secured = script.indexOf("install -m 600 -o root -g root /dev/null /etc/aipm/worker.env");
    expect(secured).toBeGreaterThan(-1);
    expect(secured).toBeLessThan(script.indexOf("cat > /etc/aipm/worker.env"));
    expect(unit).toContain("EnvironmentFile=/etc/aipm/worker.env");
    expect(script).not.toMatch(/chown aipm[^\n]*\/etc\/aipm/);
  });

  it("restarts the worker, and marks the instance unhealthy when it keeps crashing", () => {
    expect(unit).toContain("Restart=always");
    expect(unit).toContain("StartLimitBurst=10");
    expect(unit).toContain("OnFailure=aipm-worker-unhealthy.service");
    expect(heredoc(script, "/etc/systemd/system/aipm-worker-unhealthy.service")).toContain(
      '--instance-id "$(cat /etc/aipm/instance-id)" --health-status Unhealthy',
    );
  });

  it("stops with SIGTERM and waits past the shutdown grace for the task to be handed back", () => {
    expect(unit).toContain("KillSignal=SIGTERM");
    expect(unit).toContain(`TimeoutStopSec=${stopTimeoutSeconds(options)}`);
    expect(stopTimeoutSeconds(options)).toBeGreaterThan(options.shutdownGraceSeconds);
  });
});

describe("workerEnvironment", () => {
  it("sets only variables the worker reads, and secrets' ARNs rather than any value", () => {
    const keys = workerEnvKeys();
    const script = workerUserData(options);
    for (const key of [...Object.keys(workerEnvironment(options)), "AIPM_WORKER_ID"])
      expect(keys).toContain(key);
    expect(script).toContain(`AIPM_GITHUB_TOKEN_SECRET_ARN=${options.githubTokenSecretArn}`);
    expect(script).not.toMatch(/^AIPM_GITHUB_TOKEN=/m);
    expect(script).not.toMatch(/^ANTHROPIC_API_KEY=/m);
    expect(workerEnvironment(options)).toMatchObject({
      AIPM_ENV: "prod",
      AWS_REGION: "eu-west-1",
      AIPM_VERSION: "4f2c9e1",
      AIPM_MODEL_SECRET_ARNS: `ANTHROPIC_API_KEY=${anthropicArn}`,
      AIPM_AGENT_SANDBOX: "on",
    });
    expect(workerEnvironment({ ...options, modelSecretArns: {} })).not.toHaveProperty(
      "AIPM_MODEL_SECRET_ARNS",
    );
  });

  it("tells the worker its group, its lifecycle hook and its bounds: agent run, drain and shutdown", () => {
    expect(workerEnvironment(options)).toMatchObject({
      AIPM_AUTOSCALING_GROUP: "aipm-prod-workers",
      AIPM_LIFECYCLE_HOOK: "aipm-prod-drain",
      AIPM_AGENT_TIMEOUT_S: "1800",
      AIPM_DRAIN_GRACE_S: "2100",
      AIPM_SHUTDOWN_GRACE_S: "20",
    });
  });
});
