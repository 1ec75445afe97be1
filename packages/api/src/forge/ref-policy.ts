/**
 * @module ref-policy: what a push to the local forge may change, enforced by a `pre-receive` hook
 * that `git receive-pack` runs after the objects arrived (in quarantine) and before any ref moves.
 *
 * A hook sees what git will really do (the actual old values, the pushed objects, gzip bodies
 * already inflated), which a parse of the HTTP request could not; and it runs for every push,
 * because the HTTP handler points `core.hooksPath` at the hook (through the environment) on each
 * `git-receive-pack` request and rewrites the hook file if it is missing or changed.
 *
 * AIPM's own Merge (local-git-merge.ts) moves the default branch with `update-ref` in the bare
 * repository: not a push, so this hook does not run for it, which is how "the default branch
 * changes through AIPM" holds without a way around the hook for pushes.
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** The branches pushes may create, update, force-update and delete. */
export const PUSHABLE_PREFIX = "refs/heads/aipm/";

export interface RefUpdate {
  /** The ref's value before the push; all zeros when the push creates it. */
  old: string;
  /** The ref's value after the push; all zeros when the push deletes it. */
  new: string;
  ref: string;
}

export interface RefPolicyContext {
  /** The admin token pushes: it may also fast-forward the repository's default branch (the demo seed does). */
  admin: boolean;
  /** `refs/heads/<default branch>`, what HEAD names. */
  defaultRef: string;
  /** Whether `old` is an ancestor of `new`. */
  isFastForward: (update: RefUpdate) => boolean;
}

const isZero = (oid: string) => /^0+$/.test(oid);

/**
 * Whether a ref name is in the safe set: `refs/` then `/`-separated parts of letters, digits and
 * `._-`, none empty, none starting with `-` or `.`, none ending in `.lock` or `.`, no `..`
 * (git check-ref-format's rules, narrowed to the characters AIPM uses; `@{`, `~`, `^`, `:`,
 * spaces and control characters cannot occur).
 */
export function isSafeRefName(ref: string): boolean {
  if (ref.length > 255 || !ref.startsWith("refs/") || ref.includes("..")) return false;
  return ref
    .split("/")
    .every(
      (part) =>
        /^[A-Za-z0-9._-]+$/.test(part) &&
        !part.startsWith("-") &&
        !part.startsWith(".") &&
        !part.endsWith(".") &&
        !part.endsWith(".lock"),
    );
}

/**
 * Why a ref update is refused, or null when it may go ahead.
 *
 * @example refUpdateRefusal({ old: "0".repeat(40), new: "ab…", ref: "refs/tags/v1" }, context)
 * // "refs/tags/v1: only branches under aipm/ may be pushed to ..."
 */
export function refUpdateRefusal(update: RefUpdate, context: RefPolicyContext): string | null {
  const { ref } = update;
  if (!isSafeRefName(ref)) {
    return `${ref}: not an allowed ref name (letters, digits and / . _ - only; no part may start with - or .; no ..)`;
  }
  if (ref.startsWith(PUSHABLE_PREFIX)) return null;
  if (context.admin && ref === context.defaultRef) {
    if (isZero(update.new)) return `${ref}: the default branch cannot be deleted`;
    if (isZero(update.old)) return `${ref}: the default branch cannot be created by a push`;
    if (!context.isFastForward(update))
      return `${ref}: the default branch only moves forward (no force-push)`;
    return null;
  }
  return `${ref}: only branches under aipm/ may be pushed to; the default branch changes through AIPM (merge its pull request)`;
}

/** The hook's file name under the hooks folder: a shell line running its script (`pre-receive.cjs`). */
export const HOOK_NAME = "pre-receive";

/** The hook git runs: the Node running AIPM (\`AIPM_NODE\`) runs the script beside it. */
export const HOOK_LAUNCHER = `#!/bin/sh
exec "\${AIPM_NODE:-node}" "$0.cjs"
`;

/**
 * The `pre-receive` hook's script (CommonJS, whatever package.json lies above). Its rules must match
 * `refUpdateRefusal`; the tests run both. Environment: `AIPM_PUSH_ROLE` (`admin` or `editor`;
 * anything else refuses all), `AIPM_MAX_REPOSITORY_BYTES` (refuse when the repository's objects,
 * this push's included, take more).
 */
export const HOOK_SCRIPT = `// AIPM's ref policy for pushes to the local forge (written by the API; changes are overwritten).
"use strict";
const { execFileSync } = require("node:child_process");
const { readdirSync, lstatSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const say = (line) => process.stderr.write(line + "\\n");
const role = process.env.AIPM_PUSH_ROLE;
if (role !== "admin" && role !== "editor") {
  say("AIPM: this push did not come through AIPM's git server; refused.");
  process.exit(1);
}
const max = Number(process.env.AIPM_MAX_REPOSITORY_BYTES || "0");
// Another push's quarantine (objects/tmp_objdir-incoming-*) may vanish while this one counts:
// what is gone counts as nothing.
const gone = (error) => error && (error.code === "ENOENT" || error.code === "ENOTDIR");
function size(path) {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (error) {
    if (gone(error)) return 0;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    const full = join(path, entry.name);
    try {
      if (entry.isDirectory()) total += size(full);
      else if (entry.isFile()) total += lstatSync(full).size;
    } catch (error) {
      if (!gone(error)) throw error;
    }
  }
  return total;
}
if (max > 0) {
  const used = size(join(process.env.GIT_DIR || ".", "objects"));
  if (used > max) {
    const mb = (bytes) => (bytes / 1048576).toFixed(0) + " MB";
    say("AIPM: the repository would take " + mb(used) + ", over its limit of " + mb(max) + "; push refused. Remove large files from the history, or ask the AIPM administrator to raise the limit.");
    process.exit(1);
  }
}
const git = (...args) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
let defaultRef = "";
try { defaultRef = git("symbolic-ref", "HEAD"); } catch {}
const isZero = (oid) => /^0+$/.test(oid);
function isFastForward(update) {
  try { execFileSync("git", ["merge-base", "--is-ancestor", update.old, update.new], { stdio: "ignore" }); return true; } catch { return false; }
}
function isSafeRefName(ref) {
  if (ref.length > 255 || !ref.startsWith("refs/") || ref.includes("..")) return false;
  return ref.split("/").every((part) => /^[A-Za-z0-9._-]+$/.test(part) && !part.startsWith("-") && !part.startsWith(".") && !part.endsWith(".") && !part.endsWith(".lock"));
}
function refusal(update) {
  const ref = update.ref;
  if (!isSafeRefName(ref)) return ref + ": not an allowed ref name (letters, digits and / . _ - only; no part may start with - or .; no ..)";
  if (ref.startsWith("${PUSHABLE_PREFIX}")) return null;
  if (role === "admin" && ref === defaultRef) {
    if (isZero(update.new)) return ref + ": the default branch cannot be deleted";
    if (isZero(update.old)) return ref + ": the default branch cannot be created by a push";
    if (!isFastForward(update)) return ref + ": the default branch only moves forward (no force-push)";
    return null;
  }
  return ref + ": only branches under aipm/ may be pushed to; the default branch changes through AIPM (merge its pull request)";
}
let refused = false;
for (const line of readFileSync(0, "utf8").split("\\n")) {
  if (!line) continue;
  const [old, next, ref] = line.split(" ");
  const why = refusal({ old, new: next, ref });
  if (why) { say("AIPM: " + why); refused = true; }
}
process.exit(refused ? 1 : 0);
`;

/**
 * Writes the hook into `hooksDir` unless it is already there as written; atomic (renamed into
 * place), so a push never runs half a hook.
 */
export async function ensureHook(hooksDir: string): Promise<void> {
  // The script first: a launcher without its script fails (refusing the push), never skips.
  await ensureFile(join(hooksDir, `${HOOK_NAME}.cjs`), HOOK_SCRIPT);
  await ensureFile(join(hooksDir, HOOK_NAME), HOOK_LAUNCHER);
}

async function ensureFile(path: string, content: string): Promise<void> {
  const current = await readFile(path, "utf8").catch(() => null);
  if (current === content) return;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content, { mode: 0o755 });
  await chmod(temporary, 0o755);
  await rename(temporary, path);
}
