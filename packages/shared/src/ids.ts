/**
 * @module ids: prefixed, time-ordered identifiers for every entity.
 */
import { monotonicFactory } from "ulid";
import { z } from "zod";

/** The prefix of each entity's id; the prefix makes a pasted id self-describing. */
export const idPrefixes = {
  project: "prj",
  story: "sty",
  acceptanceTest: "act",
  task: "tsk",
  token: "tok",
  pullRequest: "pr",
} as const;

export type IdKind = keyof typeof idPrefixes;

const ulid = monotonicFactory();

/**
 * A new id for an entity: its prefix, an underscore and a lower-case ULID, so that ids sort by
 * creation time.
 *
 * @example newId("story") // "sty_01jdq3m1k9x7v2b8c4n5r6t0yz"
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${idPrefixes[kind]}_${ulid(now).toLowerCase()}`;
}

/** A schema accepting only a well-formed id of one kind. */
export function idSchema(kind: IdKind) {
  const prefix = idPrefixes[kind];
  return z
    .string()
    .regex(
      new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`),
      `must be a ${kind} id like ${prefix}_01jdq3m1k9x7v2b8c4n5r6t0yz`,
    );
}

export const projectIdSchema = idSchema("project");
export const storyIdSchema = idSchema("story");
export const acceptanceTestIdSchema = idSchema("acceptanceTest");
export const taskIdSchema = idSchema("task");
export const tokenIdSchema = idSchema("token");
