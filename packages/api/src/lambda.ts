/**
 * @module lambda: the AWS Lambda entry point. Function URL requests (payload 2.0) go to the Hono
 * app; the EventBridge schedule's events run housekeeping; anything else is logged and ignored.
 */
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from "hono/aws-lambda";
import { createApp } from "./app.ts";
import { createDeps } from "./compose.ts";
import { loadApiEnv } from "./env.ts";
import { type HousekeepingReport, isScheduledEvent, runHousekeeping } from "./housekeeping.ts";

/** Whether a Lambda event is an HTTP request in payload format 2.0, as Function URLs send. */
function isFunctionUrlEvent(event: unknown): event is LambdaEvent {
  if (event === null || typeof event !== "object") return false;
  const fields = event as { version?: unknown; requestContext?: { http?: { method?: unknown } } };
  return fields.version === "2.0" && typeof fields.requestContext?.http?.method === "string";
}

const env = loadApiEnv(process.env);
const deps = createDeps(env);
const http = handle(createApp(deps));

export async function handler(
  event: unknown,
  context?: LambdaContext,
): Promise<APIGatewayProxyResult | HousekeepingReport | null> {
  if (isFunctionUrlEvent(event)) return http(event, context);
  if (isScheduledEvent(event)) {
    return runHousekeeping({
      tasks: deps.tasks,
      environment: env.AIPM_ENV,
      now: deps.now,
      // Not console.log: with the JSON log format Lambda would wrap the line, and CloudWatch
      // extracts metrics only from a line that is the EMF document itself.
      write: (line) => process.stdout.write(line),
      log: deps.log,
    });
  }
  const fields = event !== null && typeof event === "object" ? (event as Record<string, unknown>) : {};
  deps.log.error(
    "unrecognised Lambda event ignored: the API answers Function URL requests (payload 2.0) and EventBridge Scheduled Events only; invoke it through its Function URL or the housekeeping schedule",
    {
      eventType: event === null ? "null" : typeof event,
      keys: Object.keys(fields).slice(0, 20),
      ...(typeof fields.source === "string" ? { source: fields.source } : {}),
      ...(typeof fields["detail-type"] === "string" ? { detailType: fields["detail-type"] } : {}),
    },
  );
  return null;
}
