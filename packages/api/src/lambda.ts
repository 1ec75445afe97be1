/**
 * @module lambda: the AWS Lambda entry point, a response-streaming handler (the Function URL's
 * invoke mode is RESPONSE_STREAM), so the task events' SSE stream reaches the browser as it is
 * written. Function URL requests (payload 2.0) go to the Hono app through Hono's streaming
 * adapter; the EventBridge schedule's events run housekeeping; anything else is logged and ignored.
 *
 * The runtime calls a streamified handler as `(event, responseStream, context)` for every
 * invocation, the scheduled ones too, and ignores its return value: what a non-HTTP invocation
 * answers (the housekeeping report, or `null`) is written to the stream as JSON, which is what a
 * synchronous `Invoke` of the function returns; EventBridge invokes asynchronously and drops it.
 */
import type { Writable } from "node:stream";
import { type LambdaContext, type LambdaEvent, streamHandle } from "hono/aws-lambda";
import { createApp } from "./app.ts";
import { createDeps } from "./compose.ts";
import { loadApiEnv } from "./env.ts";
import { type HousekeepingReport, isScheduledEvent, runHousekeeping } from "./housekeeping.ts";

/** The stream the runtime hands a streamified handler: a Node Writable with a content type. */
export type ResponseStream = Writable & { setContentType(contentType: string): void };
export type StreamingHandler = (
  event: unknown,
  responseStream: ResponseStream,
  context: LambdaContext,
) => Promise<void>;

/** The part of the `awslambda` global, set by the Lambda Node.js runtime, this module uses. */
interface LambdaRuntimeGlobal {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
}

function lambdaRuntime(): LambdaRuntimeGlobal {
  const runtime = (globalThis as { awslambda?: Partial<LambdaRuntimeGlobal> }).awslambda;
  if (typeof runtime?.streamifyResponse !== "function") {
    throw new Error(
      "The global awslambda.streamifyResponse is missing: this bundle runs in the AWS Lambda Node.js runtime, which provides it (tests provide a fake of it).",
    );
  }
  return runtime as LambdaRuntimeGlobal;
}

/** Whether a Lambda event is an HTTP request in payload format 2.0, as Function URLs send. */
function isFunctionUrlEvent(event: unknown): event is LambdaEvent {
  if (event === null || typeof event !== "object") return false;
  const fields = event as { version?: unknown; requestContext?: { http?: { method?: unknown } } };
  return fields.version === "2.0" && typeof fields.requestContext?.http?.method === "string";
}

const runtime = lambdaRuntime();
const env = loadApiEnv(process.env);
const deps = createDeps(env);
// Hono types the streaming handler as a buffered one; the runtime calls it with the stream.
const http = streamHandle(createApp(deps)) as unknown as StreamingHandler;

async function answer(event: unknown): Promise<HousekeepingReport | null> {
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

export const handler: StreamingHandler = runtime.streamifyResponse(async (event, responseStream, context) => {
  if (isFunctionUrlEvent(event)) return http(event, responseStream, context);
  const result = await answer(event);
  responseStream.setContentType("application/json");
  await new Promise<void>((done) => responseStream.end(JSON.stringify(result), done));
});
