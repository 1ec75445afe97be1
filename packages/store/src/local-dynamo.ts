/// <reference path="./dynalite.d.ts" />
/**
 * @module local-dynamo: a DynamoDB-compatible server (dynalite) on loopback, for local mode and
 * tests. In memory, or persisted in a folder.
 */
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts the local store on a free loopback port (or `port`).
 *
 * @example const local = await startLocalDynamo({ path: ".aipm/dynamodb" });
 */
export async function startLocalDynamo(options: { path?: string; port?: number } = {}): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
