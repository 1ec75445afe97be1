/**
 * @module lambda: the AWS Lambda entry point (Function URL, payload v2).
 */
import { handle } from "hono/aws-lambda";
import { createAppFromEnv } from "./compose.ts";
import { loadApiEnv } from "./env.ts";

export const handler = handle(createAppFromEnv(loadApiEnv(process.env)));
