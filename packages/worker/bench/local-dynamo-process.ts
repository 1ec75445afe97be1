/**
 * @module local-dynamo-process: the local DynamoDB server (dynalite) as its own process, so the
 * store does not share an event loop with the code being measured. Prints its endpoint, and
 * exits when its stdin closes (the bench ended, or died).
 */
import { startLocalDynamo } from "@aipm/store/local";

const local = await startLocalDynamo();
process.stdout.write(`${local.endpoint}\n`);
process.stdin.resume();
process.stdin.on("end", () => void local.close().finally(() => process.exit(0)));
