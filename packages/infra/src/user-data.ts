/**
 * @module user-data: the boot script of a worker instance: installs Node.js, bubblewrap and the
 * configured agent CLIs, fetches the worker bundle of the deployed version from the artifacts
 * bucket and runs it under systemd as the unprivileged user `aipm`. Every download is retried; a
 * boot that fails anyway, or a worker that keeps crashing, marks the instance unhealthy so the
 * group replaces it.
 */

export interface WorkerUserDataOptions {
  /** The environment whose tables the worker uses (`AIPM_ENV`). */
  environment: string;
  /** The deployed version; the bundle is fetched from `s3://<bucket>/<bundleKey>`. */
  version: string;
  /** The AWS region of the tables and secret (`AWS_REGION`). */
  region: string;
  /** The artifacts bucket's name. */
  artifactsBucket: string;
  /** The bundle's key in the artifacts bucket, e.g. `worker/<version>/worker.mjs`. */
  bundleKey: string;
  /** The Secrets Manager secret holding the GitHub token (`AIPM_GITHUB_TOKEN_SECRET_ARN`). */
  githubTokenSecretArn: string;
  /** The CloudWatch log group the worker's output is shipped to. */
  logGroupName: string;
  /** The Node.js major release, from the distribution's packages (`nodejs<major>`), e.g. 22. */
  nodeMajor: number;
  /** Tasks one worker runs at once (`AIPM_WORKER_CONCURRENCY`). */
  concurrency: number;
  /** The worker's health and metrics port (`AIPM_WORKER_PORT`). */
  port: number;
  /** The agent CLIs installed from npm, each at its pinned release. */
  agentPackages: readonly { name: string; version: string }[];
  /** Model provider keys: the variable an agent reads → its secret's ARN (`AIPM_MODEL_SECRET_ARNS`). */
  modelSecretArns: Readonly<Record<string, string>>;
  /** The Auto Scaling group (`AIPM_AUTOSCALING_GROUP`), whose health the boot sets on failure. */
  groupName: string;
  /** The termination lifecycle hook the worker completes once drained (`AIPM_LIFECYCLE_HOOK`). */
  lifecycleHookName: string;
  /** A run's total bound (`AIPM_AGENT_TIMEOUT_S`). */
  agentTimeoutSeconds: number;
  /** How long running tasks may finish once the instance is terminating (`AIPM_DRAIN_GRACE_S`). */
  drainGraceSeconds: number;
  /** How long running tasks may finish on SIGTERM (`AIPM_SHUTDOWN_GRACE_S`). */
  shutdownGraceSeconds: number;
}

const safeValue = /^[A-Za-z0-9._:/@+=,-]+$/;

function checkedStrings(key: string, value: unknown): void {
  if (typeof value === "string" && !safeValue.test(value)) {
    throw new Error(
      `Worker user data option ${key} has characters a shell or systemd would interpret: "${value}". Use letters, digits and ._:/@+=,- only.`,
    );
  }
  if (value !== null && typeof value === "object") {
    for (const [inner, innerValue] of Object.entries(value)) {
      checkedStrings(key, inner);
      checkedStrings(key, innerValue);
    }
  }
}

function checked(options: WorkerUserDataOptions): void {
  for (const [key, value] of Object.entries(options)) checkedStrings(key, value);
  if (!Number.isInteger(options.nodeMajor) || options.nodeMajor < 20) {
    throw new Error(
      `nodeMajor must be a Node.js major release of 20 or later, like 22; got ${options.nodeMajor}.`,
    );
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new Error(`concurrency must be a positive integer; got ${options.concurrency}.`);
  }
  for (const name of Object.keys(options.modelSecretArns)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name))
      throw new Error(`Model key names are variable names; got "${name}".`);
  }
}

/** The worker's environment file: exactly the variables packages/worker/src/env.ts reads. */
export function workerEnvironment(options: WorkerUserDataOptions): Record<string, string> {
  const modelSecrets = Object.entries(options.modelSecretArns)
    .map(([name, arn]) => `${name}=${arn}`)
    .join(",");
  return {
    AIPM_ENV: options.environment,
    AWS_REGION: options.region,
    AIPM_VERSION: options.version,
    AIPM_GITHUB_TOKEN_SECRET_ARN: options.githubTokenSecretArn,
    AIPM_WORKER_PORT: String(options.port),
    AIPM_WORKER_CONCURRENCY: String(options.concurrency),
    AIPM_WORKER_CACHE_DIR: "/var/cache/aipm-worker",
    AIPM_AGENT_SANDBOX: "on",
    AIPM_AGENT_TIMEOUT_S: String(options.agentTimeoutSeconds),
    AIPM_SHUTDOWN_GRACE_S: String(options.shutdownGraceSeconds),
    AIPM_DRAIN_GRACE_S: String(options.drainGraceSeconds),
    AIPM_AUTOSCALING_GROUP: options.groupName,
    AIPM_LIFECYCLE_HOOK: options.lifecycleHookName,
    ...(modelSecrets ? { AIPM_MODEL_SECRET_ARNS: modelSecrets } : {}),
  };
}

/** systemd's stop timeout: the shutdown grace, then time to kill the agents and hand tasks back. */
export function stopTimeoutSeconds(options: Pick<WorkerUserDataOptions, "shutdownGraceSeconds">): number {
  return options.shutdownGraceSeconds + 40;
}

/** Where Node and the agent CLIs live; the worker's PATH, in this order. */
const agentBin = "/opt/aipm/agents/bin";
const nodeBin = "/opt/aipm/node/bin";

function prelude(options: WorkerUserDataOptions): string {
  return `#!/bin/bash
# AIPM worker ${options.version} (${options.environment}): generated by @aipm/infra workerUserData.
set -Eeuo pipefail

# Runs a command up to 5 times, 10, 20, 30 and 40 s apart: one slow mirror or registry is no failed boot.
retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then echo "failed $attempt times: $*" >&2; return 1; fi
    sleep $((attempt * 10))
    attempt=$((attempt + 1))
  done
}

# IMDSv2 (a session token per read); the agents cannot reach it (egress proxy), only this script and the worker.
imds() {
  local token
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
INSTANCE_ID=$(retry imds instance-id)

# A boot that fails after its retries marks the instance unhealthy at once: the group replaces it
# instead of keeping an instance that never runs a worker.
mark_unhealthy() {
  echo "AIPM worker boot failed (line $1): marking $INSTANCE_ID unhealthy" >&2
  aws autoscaling set-instance-health --region ${options.region} --instance-id "$INSTANCE_ID" \\
    --health-status Unhealthy --no-should-respect-grace-period || true
}
trap 'mark_unhealthy $LINENO' ERR
`;
}

function packages(options: WorkerUserDataOptions): string {
  const major = options.nodeMajor;
  const agents = options.agentPackages.map(({ name, version }) => `${name}@${version}`).join(" ");
  const install = agents
    ? `retry npm install --global --prefix /opt/aipm/agents --no-fund --no-audit --no-update-notifier ${agents}`
    : "# No agent CLI configured (aipm:agents): only the built-in scaffold agent runs.";
  return `
# Node.js ${major}, git and bubblewrap (the agents' sandbox) from the distribution's packages: the
# AMI's release of the repository, no download from elsewhere.
retry dnf install -y git tar amazon-cloudwatch-agent bubblewrap nodejs${major} nodejs${major}-npm
mkdir -p ${nodeBin}
ln -sfn /usr/bin/node-${major} ${nodeBin}/node
ln -sfn /usr/bin/npm-${major} ${nodeBin}/npm
ln -sfn /usr/bin/npx-${major} ${nodeBin}/npx
export PATH=${nodeBin}:$PATH
node --version | grep -q '^v${major}\\.'

# bubblewrap needs unprivileged user namespaces.
echo "user.max_user_namespaces = 15000" > /etc/sysctl.d/90-aipm-userns.conf
sysctl -p /etc/sysctl.d/90-aipm-userns.conf

# The agent CLIs, each at the release its profile was checked against (read-only to the worker).
${install}
`;
}

function service(options: WorkerUserDataOptions, workerDir: string): string {
  return `[Unit]
Description=AIPM worker ${options.version}
After=network-online.target
Wants=network-online.target
# A worker that crashes 10 times in 10 minutes stops being restarted and marks the instance unhealthy.
StartLimitIntervalSec=600
StartLimitBurst=10
OnFailure=aipm-worker-unhealthy.service

[Service]
User=aipm
Group=aipm
EnvironmentFile=/etc/aipm/worker.env
Environment=HOME=/var/lib/aipm
Environment=PATH=${agentBin}:${nodeBin}:/usr/local/bin:/usr/bin:/bin
Environment=NODE_OPTIONS=--enable-source-maps
ExecStart=${nodeBin}/node ${workerDir}/worker.mjs
Restart=always
RestartSec=5
# The worker's control group is its own to divide: each agent run gets one with its memory and process limits.
Delegate=yes
# SIGTERM (a reboot, the instance's shutdown after its drain) hands running tasks back within the shutdown grace.
KillSignal=SIGTERM
TimeoutStopSec=${stopTimeoutSeconds(options)}
NoNewPrivileges=true
PrivateTmp=true
StandardOutput=append:/var/log/aipm/worker.log
StandardError=append:/var/log/aipm/worker.log

[Install]
WantedBy=multi-user.target`;
}

/**
 * The instance's user data (a bash script; base64-encode it for a launch template). It runs once,
 * at the instance's first boot; the worker's unit starts it again at every later boot.
 *
 * @example workerUserData({ environment: "dev", version: "abc123", ... })
 */
export function workerUserData(options: WorkerUserDataOptions): string {
  checked(options);
  const workerDir = `/opt/aipm/worker/${options.version}`;
  const env = Object.entries(workerEnvironment(options))
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  const agentConfig = JSON.stringify({
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: "/var/log/aipm/worker.log",
              log_group_name: options.logGroupName,
              log_stream_name: "{instance_id}",
            },
          ],
        },
      },
    },
  });
  return `${prelude(options)}${packages(options)}
id aipm >/dev/null 2>&1 || useradd --system --create-home --home-dir /var/lib/aipm --shell /sbin/nologin aipm
mkdir -p ${workerDir} /etc/aipm /var/log/aipm /var/cache/aipm-worker
chown aipm:aipm /var/log/aipm /var/cache/aipm-worker

# The worker bundle of this version.
retry aws s3 cp "s3://${options.artifactsBucket}/${options.bundleKey}" ${workerDir}/worker.mjs --region ${options.region}

# Read by systemd (root) before it starts the worker as aipm: nobody else, an agent least of all.
install -m 600 -o root -g root /dev/null /etc/aipm/worker.env
cat > /etc/aipm/worker.env <<'ENV'
${env}
ENV
echo "AIPM_WORKER_ID=$INSTANCE_ID" >> /etc/aipm/worker.env
echo "$INSTANCE_ID" > /etc/aipm/instance-id

cat > /etc/systemd/system/aipm-worker.service <<'UNIT'
${service(options, workerDir)}
UNIT

cat > /etc/systemd/system/aipm-worker-unhealthy.service <<'UNIT'
[Unit]
Description=Mark this instance unhealthy: the AIPM worker keeps failing

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'aws autoscaling set-instance-health --region ${options.region} --instance-id "$(cat /etc/aipm/instance-id)" --health-status Unhealthy --no-should-respect-grace-period'
UNIT

cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'AGENT'
${agentConfig}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json

systemctl daemon-reload
systemctl enable --now aipm-worker.service
`;
}
