/**
 * @module common: small schemas shared by every entity.
 */
import { z } from "zod";

/** An ISO-8601 instant in UTC, as stored and as returned by the API. */
export const isoDateTimeSchema = z.iso.datetime({ offset: false });

/** Optimistic-concurrency version: 1 on creation, +1 on every change. */
export const versionSchema = z.number().int().min(1);

/** Trimmed single-line text with a length bound. */
export function line(max: number) {
  return z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !/[\r\n]/.test(value), "must be a single line");
}

/** Trimmed free text with a length bound. */
export function text(max: number) {
  return z.string().trim().max(max, `must be at most ${max} characters`);
}
