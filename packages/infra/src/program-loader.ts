/**
 * @module program-loader: loads a stack's program the way Pulumi's Node.js runtime would: plain
 * `node` with the `nodeargs` and `main` of its Pulumi.yaml, outside any test runner, here under
 * mocks. It proves the entry point and the TypeScript loader work without the Pulumi CLI.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { readProjectFile } from "./mock-deployment.ts";

export interface LoadedProgram {
  /** The node arguments Pulumi.yaml gives the runtime. */
  nodeArgs: string[];
  /** The program's entry point, from Pulumi.yaml's `main`. */
  main: string;
  /** The names the program exports (its stack outputs), sorted. */
  outputs: string[];
  /** How many resources it registered. */
  resources: number;
}

const loader = `
const { startMockDeployment } = await import("@aipm/infra");
const { pathToFileURL } = await import("node:url");
const { join } = await import("node:path");
const { stack, config, secretKeys, main } = JSON.parse(process.argv[1]);
const deployment = await startMockDeployment({ stack, config, secretKeys });
const program = await import(pathToFileURL(join(process.cwd(), main)).href);
await deployment.settle();
process.stdout.write(JSON.stringify({ outputs: Object.keys(program).sort(), resources: deployment.resources.length }));
process.exit(0);
`;

/**
 * Runs `projectDir`'s program in a child `node` process started as Pulumi.yaml says.
 *
 * @example loadProgramLikePulumi("stacks/dev", "dev", config, ["aipm:githubToken"])
 */
export function loadProgramLikePulumi(
  projectDir: string,
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
): LoadedProgram {
  const project = readProjectFile(join(projectDir, "Pulumi.yaml"));
  const options = typeof project.runtime === "string" ? {} : (project.runtime.options ?? {});
  const nodeArgs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  const main = project.main ?? "index.js";
  const output = execFileSync(
    process.execPath,
    [...nodeArgs, "--input-type=module", "-e", loader, JSON.stringify({ stack, config, secretKeys, main })],
    { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 },
  );
  return { nodeArgs, main, ...(JSON.parse(output) as { outputs: string[]; resources: number }) };
}
