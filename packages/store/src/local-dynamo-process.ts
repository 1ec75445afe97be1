/**
 * @module local-dynamo-process: the local DynamoDB server (dynalite) as its own process, so that
 * serving a read does not share an event loop with the code timing it (the benches). Prints its endpoint, and
 * exits when its stdin closes (the bench ended, or died). `startLocalDynamoProcess` starts it.
 */
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LocalDynamo } from "./local-dynamo.ts";

/**
 * Starts this module in a child process with this process's loader (tsx), and resolves once it
 * listens. The child exits when its stdin closes, so it never outlives the bench.
 */
export function startLocalDynamoProcess(): Promise<LocalDynamo> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const early = (code: number | null) =>
      reject(new Error(`The local DynamoDB process exited with ${code} before it listened.`));
    child.once("error", reject);
    child.once("exit", early);
    child.stdout.on("data", function listening(chunk: Buffer) {
      output += chunk.toString("utf8");
      if (!output.includes("\n")) return;
      child.stdout.off("data", listening);
      child.off("exit", early);
      resolve({
        endpoint: output.split("\n")[0]?.trim() ?? "",
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.stdin.end();
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { startLocalDynamo } = await import("./local-dynamo.ts");
  const local = await startLocalDynamo();
  process.stdout.write(`${local.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void local.close().finally(() => process.exit(0)));
}
