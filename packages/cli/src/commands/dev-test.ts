/**
 * @module commands/dev-test: `aipm dev-test <env|url>`: the end-to-end API suite against a
 * deployed environment; exits 1 when a step fails.
 */
import { CliError, type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import { type DevTestRepository, runDevTest } from "../dev-test.ts";
import { readOpsEnv } from "../ops-env.ts";
import { resolveTarget } from "../target.ts";
import { printable } from "../terminal-text.ts";

export const devTestCommand: Command = {
  name: "dev-test",
  summary: "Run the end-to-end API suite against an environment, deleting what it creates",
  usage: `aipm dev-test <env|url> [options]
  <env|url>                an environment (its API's address comes from its stack's outputs) or the API's URL
  --github-owner <owner>   test on this GitHub repository (with --github-repo) instead of a new local one
  --github-repo <name>
  --github-branch <name>   its default branch (default main)
  --generate               also start a code generation and wait until it succeeds (opens a pull request)
  --generate-timeout <s>   how long the code generation may take (default 600)
  --token <token>          an editor or admin API token (default: AIPM_API_TOKEN)
  --timeout <s>            time limit of each request (default 15)
Without --github-*, the project uses a new repository on the target's local forge (local mode).`,
  example: "AIPM_API_TOKEN=... aipm dev-test dev --github-owner acme --github-repo aipm-sandbox --generate",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "dev-test",
      args,
      {
        "github-owner": { type: "string" },
        "github-repo": { type: "string" },
        "github-branch": { type: "string" },
        generate: { type: "boolean" },
        "generate-timeout": { type: "string" },
        token: { type: "string" },
        timeout: { type: "string" },
      },
      1,
    );
    const owner = values["github-owner"];
    const name = values["github-repo"];
    if ((owner === undefined) !== (name === undefined)) {
      throw new CliError("--github-owner and --github-repo go together.", 2);
    }
    const repository: DevTestRepository =
      owner && name
        ? { provider: "github", owner, name, defaultBranch: values["github-branch"] }
        : { provider: "local" };
    const token = values.token ?? readOpsEnv(io.env).apiToken;
    if (!token) throw new CliError("dev-test needs an API token: set AIPM_API_TOKEN or pass --token.", 2);
    const generateTimeoutMs =
      numberOption("generate-timeout", values["generate-timeout"], 600, { min: 1 }) * 1000;
    const timeoutMs = numberOption("timeout", values.timeout, 15, { min: 0.1, max: 600 }) * 1000;
    const target = await resolveTarget(positionals[0] ?? "", { cwd: io.cwd ?? process.cwd(), env: io.env });

    io.out(printable(`dev-test of ${target.name} (${target.apiUrl})\n`));
    const started = performance.now();
    const result = await runDevTest({
      url: target.apiUrl,
      token,
      repository,
      generate: values.generate ?? false,
      generateTimeoutMs,
      timeoutMs,
      say: (line) => io.out(`${line}\n`),
    });
    const failed = result.steps.filter((step) => step.status === "fail").length;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.out(
      result.passed
        ? `dev-test passed: ${result.steps.length} steps in ${seconds} s\n`
        : `dev-test FAILED: ${failed} of ${result.steps.length} steps failed (${seconds} s)\n`,
    );
    return result.passed ? 0 : 1;
  },
};
