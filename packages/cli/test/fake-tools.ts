/**
 * @module fake-tools: a fake `pulumi` executable and a fake build step on PATH. Each appends what it
 * was asked (argv, working directory, checked-out commit) as a JSON line to one log, so a test sees
 * every command in order; `pulumi` prints recorded JSON in the shape the real CLI prints, and any
 * command can be told to fail.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StackOutputs, StackUpdate } from "../src/pulumi.ts";
import { tempDir } from "./temp.ts";

export interface ToolCall {
  tool: "pulumi" | "step";
  args: string[];
  cwd: string;
  /** The commit checked out where the tool ran (null outside a git tree). */
  head: string | null;
  /** AIPM_COMMIT as the tool saw it. */
  commit: string | null;
  /**
   * `pulumi` only: the stack config file it would read (`--config-file`, else
   * `Pulumi.<stack>.yaml` of the project) and its content when called (null when there is none).
   */
  config?: { file: string; content: string | null };
}

export interface FakeState {
  history: StackUpdate[];
  outputs: StackOutputs;
  /** Commands that exit non-zero: `up`, `preview`, `stack history`, `stack output`, `build`, `install`. */
  fail: string[];
  /** What `pulumi preview --json` prints (a preview digest); `{}` when not set. */
  preview?: unknown;
  /** The exit code of `pulumi preview` after printing `preview` (a failed preview still prints its digest). */
  previewExit?: number;
}

/** Shared by both tools: log the call, then fail when told to. */
const PRELUDE = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const state = JSON.parse(fs.readFileSync(path.join(__dirname, "state.json"), "utf8"));
const args = process.argv.slice(2);
let head = null;
try { head = execFileSync("git", ["rev-parse", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim(); } catch {}
function log(tool, extra) {
  fs.appendFileSync(path.join(__dirname, "calls.jsonl"), JSON.stringify({ tool, args, cwd: process.cwd(), head, commit: process.env.AIPM_COMMIT || null, ...extra }) + "\\n");
}
`;

const PULUMI = `${PRELUDE}
const cwdFlag = args.indexOf("--cwd");
const projectDir = cwdFlag >= 0 ? path.resolve(args[cwdFlag + 1]) : process.cwd();
const stackName = args.includes("-s") ? args[args.indexOf("-s") + 1] : "";
const configFile = args.includes("--config-file") ? path.resolve(args[args.indexOf("--config-file") + 1]) : path.join(projectDir, "Pulumi." + stackName + ".yaml");
log("pulumi", { config: { file: configFile, content: fs.existsSync(configFile) ? fs.readFileSync(configFile, "utf8") : null } });
const verb = args[0] === "stack" ? "stack " + args[1] : args[0];
if (state.fail.includes(verb)) {
  process.stderr.write("error: " + verb + " failed (told to by the test)\\n");
  process.exit(255);
}
if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
  process.stderr.write("error: no Pulumi.yaml project file found (searching upwards from " + projectDir + ")\\n");
  process.exit(255);
}
if (verb === "stack history") process.stdout.write(JSON.stringify(state.history, null, 4) + "\\n");
else if (verb === "stack output") process.stdout.write(JSON.stringify(state.outputs, null, 4) + "\\n");
else if (verb === "preview") {
  process.stdout.write(JSON.stringify(state.preview ?? {}, null, 4) + "\\n");
  process.exit(state.previewExit ?? 0);
} else if (verb === "up") {
  // Like the real CLI, --config values are saved into the stack's config file (--config-file's when given).
  args.forEach((arg, index) => {
    if (arg !== "--config") return;
    const [key, ...value] = args[index + 1].split("=");
    fs.appendFileSync(configFile, "  " + key + ": " + value.join("=") + "\\n");
  });
  process.stdout.write("Updating (" + args[args.indexOf("-s") + 1] + ")\\n\\n     Type                 Name      Status\\n     pulumi:pulumi:Stack  aipm-dev  \\n\\nResources:\\n    12 unchanged\\n\\nDuration: 2s\\n");
} else {
  process.stderr.write("fake pulumi: unknown command " + args.join(" ") + "\\n");
  process.exit(2);
}
`;

const STEP = `${PRELUDE}
log("step");
if (state.fail.includes(args[0])) {
  process.stderr.write(args[0] + ": failed (told to by the test)\\n");
  process.exit(1);
}
process.stdout.write(args[0] + ": ok\\n");
`;

export interface FakeTools {
  /** Put first on PATH. */
  binDir: string;
  /** `AIPM_BUILD_COMMAND` and `AIPM_INSTALL_COMMAND` that run the fake step. */
  buildCommand: string;
  installCommand: string;
  set(state: Partial<FakeState>): Promise<void>;
  calls(): Promise<ToolCall[]>;
  clearCalls(): Promise<void>;
}

/**
 * Writes `pulumi` and `step` into a new temporary folder.
 *
 * @example const tools = await fakeTools(); await tools.set({ outputs: { apiUrl } }); env.PATH = `${tools.binDir}:${env.PATH}`;
 */
export async function fakeTools(): Promise<FakeTools> {
  const binDir = await tempDir("aipm-fake-tools-");
  let state: FakeState = { history: [], outputs: {}, fail: [] };
  const save = () => writeFile(join(binDir, "state.json"), JSON.stringify(state));
  for (const [name, source] of [
    ["pulumi", PULUMI],
    ["step", STEP],
  ] as const) {
    await writeFile(join(binDir, name), source);
    await chmod(join(binDir, name), 0o755);
  }
  await save();
  await writeFile(join(binDir, "calls.jsonl"), "");
  const step = join(binDir, "step");
  return {
    binDir,
    buildCommand: `${step} build`,
    installCommand: `${step} install`,
    async set(partial) {
      state = { ...state, ...partial };
      await save();
    },
    async calls() {
      const text = await readFile(join(binDir, "calls.jsonl"), "utf8");
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ToolCall);
    },
    async clearCalls() {
      await writeFile(join(binDir, "calls.jsonl"), "");
    },
  };
}

/** The short name of a call, as an order is asserted: `build`, `install`, `preview`, `up`, `stack history`. */
export function callName(call: ToolCall): string {
  if (call.tool === "step") return call.args[0] ?? "";
  return call.args[0] === "stack" ? `stack ${call.args[1]}` : (call.args[0] ?? "");
}

/** An update as `pulumi stack history --json` prints it. */
export function update(
  version: number,
  result: "succeeded" | "failed",
  head: string | null,
  kind = "update",
): StackUpdate {
  const startTime = new Date(Date.UTC(2026, 10, 1, 12, version)).toISOString().replace(".000Z", "Z");
  return {
    version,
    kind,
    startTime,
    message: `update ${version}`,
    environment: {
      "exec.kind": "cli",
      ...(head ? { "git.head": head, "git.headName": "refs/heads/main", "git.dirty": "false" } : {}),
    },
    config: {},
    result,
    endTime: startTime,
    resourceChanges: { same: 12 },
  } as StackUpdate;
}
