import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import {
  agentEnvironment,
  createAgentHome,
  deniedAgentEnvPatterns,
  isDeniedAgentEnvName,
  parseAgentEnvAllow,
} from "./agent-env.ts";

const task = {
  taskId: "tsk_01jdq3m1k9x7v2b8c4n5r6t0yz",
  storyId: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
  taskFile: "/work/wt/TASK.md",
  worktree: "/work/wt",
  home: "/tmp/aipm-agent-home",
};

const taskVariables = {
  HOME: "/tmp/aipm-agent-home",
  PWD: "/work/wt",
  AIPM_TASK_FILE: "/work/wt/TASK.md",
  AIPM_TASK_ID: task.taskId,
  AIPM_STORY_ID: task.storyId,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

describe("agentEnvironment", () => {
  it("keeps only the base names and sets the task and git variables", () => {
    const env = agentEnvironment(
      {
        PATH: "/usr/bin",
        LANG: "en_US.UTF-8",
        LC_ALL: "C.UTF-8",
        TERM: "xterm",
        TZ: "UTC",
        TMPDIR: "/tmp",
        USER: "worker",
        SHELL: "/bin/bash",
        HOME: "/home/worker",
        NODE_OPTIONS: "--require evil.js",
        EDITOR: "vim",
        ANTHROPIC_API_KEY: "sk-ant",
        UNSET: undefined,
      },
      task,
    );
    expect(env).toEqual({
      PATH: "/usr/bin",
      LANG: "en_US.UTF-8",
      LC_ALL: "C.UTF-8",
      TERM: "xterm",
      TZ: "UTC",
      TMPDIR: "/tmp",
      USER: "worker",
      SHELL: "/bin/bash",
      ...taskVariables,
    });
  });

  it("passes the names the operator lists in AIPM_AGENT_ENV_ALLOW, and the profile's variables", () => {
    const env = agentEnvironment(
      {
        AIPM_AGENT_ENV_ALLOW: " ANTHROPIC_API_KEY , ,KIRO_API_KEY,MISSING_BUT_LISTED",
        ANTHROPIC_API_KEY: "sk-ant",
        KIRO_API_KEY: "kiro",
        OPENAI_API_KEY: "sk-openai",
        MISSING_BUT_LISTED: undefined,
      },
      task,
      { CODEX_API_KEY: "sk-openai", GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:9/" },
    );
    expect(env).toEqual({
      ANTHROPIC_API_KEY: "sk-ant",
      KIRO_API_KEY: "kiro",
      CODEX_API_KEY: "sk-openai",
      GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:9/",
      ...taskVariables,
    });
  });

  it("lets no profile variable override HOME, the task's variables or the git settings", () => {
    const env = agentEnvironment({}, task, { HOME: "/root", AIPM_TASK_ID: "x", GIT_CONFIG_GLOBAL: "/x" });
    expect(env).toEqual(taskVariables);
  });
});

describe("agentEnvironment: what it never passes", () => {
  it("never passes git, cloud, AIPM or SSH agent variables, even when listed", () => {
    const secrets = {
      GITHUB_TOKEN: "1",
      GH_TOKEN: "1",
      GIT_ASKPASS: "1",
      GITLAB_TOKEN: "1",
      AWS_SECRET_ACCESS_KEY: "1",
      AWS_PROFILE: "1",
      AZURE_CLIENT_SECRET: "1",
      ARM_CLIENT_SECRET: "1",
      GOOGLE_APPLICATION_CREDENTIALS: "1",
      CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: "1",
      PULUMI_ACCESS_TOKEN: "1",
      KUBECONFIG: "1",
      AIPM_API_TOKEN: "1",
      AIPM_TASK_ID: "tsk_from_parent",
      SSH_AUTH_SOCK: "1",
      aws_secret_access_key: "1",
    };
    const env = agentEnvironment({ ...secrets, AIPM_AGENT_ENV_ALLOW: Object.keys(secrets).join(",") }, task);
    expect(env).toEqual(taskVariables);
  });

  it("sets HOME to the task's home, never the worker's, even when HOME is listed", () => {
    const env = agentEnvironment({ HOME: "/home/worker", AIPM_AGENT_ENV_ALLOW: "HOME" }, task);
    expect(env.HOME).toBe(task.home);
  });
});

describe("isDeniedAgentEnvName", () => {
  it.each(["GITHUB_TOKEN", "GIT_SSH_COMMAND", "AWS_ACCESS_KEY_ID", "AIPM_AGENT_ENV_ALLOW", "SSH_AUTH_SOCK"])(
    "denies %s",
    (name) => {
      expect(isDeniedAgentEnvName(name)).toBe(true);
    },
  );

  it.each(["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "KIRO_API_KEY", "PATH", "DIGIT_COUNT"])(
    "allows %s",
    (name) => {
      expect(isDeniedAgentEnvName(name)).toBe(false);
    },
  );

  it("anchors every pattern, so a name only matches at its start or in full", () => {
    for (const pattern of deniedAgentEnvPatterns) expect(pattern.source.startsWith("^")).toBe(true);
  });
});

describe("parseAgentEnvAllow", () => {
  it("splits on commas and drops blanks", () => {
    expect(parseAgentEnvAllow("A, B,,C ")).toEqual(["A", "B", "C"]);
    expect(parseAgentEnvAllow(undefined)).toEqual([]);
  });
});

describe("createAgentHome", () => {
  it("creates a private, empty directory and removes it", async () => {
    const home = await createAgentHome(task.taskId);
    expect(home.path.startsWith(tmpdir())).toBe(true);
    expect(home.path).toContain(task.taskId);
    const info = await stat(home.path);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
    await home.remove();
    await expect(stat(home.path)).rejects.toThrowError(/ENOENT/);
  });
});
