import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type WorkerUserDataOptions, workerEnvironment, workerUserData } from "./user-data.ts";

const options: WorkerUserDataOptions = {
  environment: "prod",
  version: "4f2c9e1",
  region: "eu-west-1",
  artifactsBucket: "aipm-prod-workers-artifacts-1a2b3c",
  bundleKey: "worker/4f2c9e1/worker.mjs",
  githubTokenSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aipm-prod-github-token-AbCdEf",
  logGroupName: "/aipm/prod/worker",
  nodeVersion: "22.12.0",
  architecture: "arm64",
  concurrency: 2,
  port: 8080,
};

/** The variable names packages/worker/src/env.ts reads (the keys of its zod schema). */
function workerEnvKeys(): string[] {
  const source = readFileSync(new URL("../../worker/src/env.ts", import.meta.url), "utf8");
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? "");
}

describe("workerUserData", () => {
  const script = workerUserData(options);

  it("is a bash script that stops at the first failure", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("set -euo pipefail");
  });

  it("installs the pinned Node.js release for the architecture, verified against its checksums", () => {
    expect(script).toContain("https://nodejs.org/dist/v22.12.0/node-v22.12.0-linux-arm64.tar.xz");
    expect(script).toContain("https://nodejs.org/dist/v22.12.0/SHASUMS256.txt");
    expect(script).toMatch(
      /grep " node-v22\.12\.0-linux-arm64\.tar\.xz\$" SHASUMS256\.txt \| sha256sum -c -/,
    );
    expect(workerUserData({ ...options, architecture: "x64" })).toContain("node-v22.12.0-linux-x64.tar.xz");
    expect(script).toContain("dnf install -y git");
  });

  it("fetches the bundle of the deployed version from the artifacts bucket", () => {
    expect(script).toContain(
      'aws s3 cp "s3://aipm-prod-workers-artifacts-1a2b3c/worker/4f2c9e1/worker.mjs" /opt/aipm/worker/4f2c9e1/worker.mjs',
    );
  });

  it("installs bubblewrap for the agents' sandbox, and keeps the worker's settings from every other user", () => {
    expect(script).toMatch(/dnf install -y [^\n]*\bbubblewrap\b/);
    const secured = script.indexOf("install -m 600 -o root -g root /dev/null /etc/aipm/worker.env");
    expect(secured).toBeGreaterThan(-1);
    expect(secured).toBeLessThan(script.indexOf("cat > /etc/aipm/worker.env"));
  });

  it("runs it under systemd as an unprivileged user, restarting it always", () => {
    expect(script).toContain("ExecStart=/opt/node/bin/node /opt/aipm/worker/4f2c9e1/worker.mjs");
    expect(script).toContain("Restart=always");
    expect(script).toContain("User=aipm");
    expect(script).toContain("KillSignal=SIGTERM");
    expect(script).toContain("systemctl enable --now aipm-worker.service");
  });

  it("uses IMDSv2 (a session token) to learn the instance id it runs as", () => {
    expect(script).toContain("X-aws-ec2-metadata-token-ttl-seconds");
    expect(script).toContain('echo "AIPM_WORKER_ID=$INSTANCE_ID" >> /etc/aipm/worker.env');
  });

  it("ships the worker's output to its log group", () => {
    expect(script).toContain('"log_group_name":"/aipm/prod/worker"');
    expect(script).toContain("amazon-cloudwatch-agent-ctl -a fetch-config");
  });

  it("sets only variables the worker reads, and the secret's ARN rather than any token", () => {
    const keys = workerEnvKeys();
    expect(keys).toContain("AIPM_GITHUB_TOKEN_SECRET_ARN");
    for (const key of [...Object.keys(workerEnvironment(options)), "AIPM_WORKER_ID"])
      expect(keys).toContain(key);
    expect(script).toContain(`AIPM_GITHUB_TOKEN_SECRET_ARN=${options.githubTokenSecretArn}`);
    expect(script).not.toMatch(/^AIPM_GITHUB_TOKEN=/m);
    expect(workerEnvironment(options)).toMatchObject({
      AIPM_ENV: "prod",
      AWS_REGION: "eu-west-1",
      AIPM_VERSION: "4f2c9e1",
    });
  });

  it("refuses values a shell or systemd would interpret, naming the option", () => {
    expect(() => workerUserData({ ...options, version: "1.0; rm -rf /" })).toThrow(/option version/);
    expect(() => workerUserData({ ...options, artifactsBucket: "a$(id)" })).toThrow(/option artifactsBucket/);
    expect(() => workerUserData({ ...options, nodeVersion: "22" })).toThrow(/full Node.js release/);
  });
});
