/**
 * @module logger: the structured logger both processes take, JSON lines that never print credentials.
 */
import pino from "pino";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** A JSON logger on stdout for `service`, with credential fields censored. */
export function createLogger(level: LogLevel, service: string): Logger {
  const log = pino({
    level,
    base: { service },
    redact: {
      paths: ["token", "authorization", "*.token", "*.authorization", "headers.authorization"],
      censor: "[redacted]",
    },
  });
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
