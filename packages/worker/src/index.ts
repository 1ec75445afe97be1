/**
 * @module @aipm/worker: the queue consumer that turns code-generation tasks into commits.
 */
export { loadWorkerEnv, type WorkerEnv, workerEnvSchema } from "./env.ts";
