/**
 * @module pulumi-preview: what `pulumi preview --json` says a deployment would do, told as an
 * operator reads it (resources per operation, each one replaced or deleted with its type and
 * name), and whether a rollback may go ahead after it.
 *
 * The JSON is Pulumi's preview digest (`display.PreviewDigest`): `steps[]` with `op`, `urn` and the
 * resource's `oldState`/`newState` (`type`, `protect`, `retainOnDelete`, ...), `diagnostics[]` with
 * `severity` and `message`, and `changeSummary`.
 */

/** A resource's state in a preview step (Pulumi's `apitype.ResourceV3`): the fields read here. */
export interface PreviewResourceState {
  urn?: string;
  type?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  /** `custom`, `id`, `inputs`, `outputs`, `parent`, `provider`, ...: not read here. */
  [field: string]: unknown;
}

export interface PreviewStep {
  /** `same`, `create`, `update`, `replace`, `create-replacement`, `delete-replaced`, `delete`, `read`, ... */
  op: string;
  urn: string;
  provider?: string;
  oldState?: PreviewResourceState;
  newState?: PreviewResourceState;
  /** The properties that changed (updating steps only). */
  diffReasons?: string[];
  /** The properties whose change forces a replacement (replacement steps only). */
  replaceReasons?: string[];
  detailedDiff?: Record<string, unknown>;
}

export interface PreviewDiagnostic {
  urn?: string;
  prefix?: string;
  message: string;
  /** `info`, `info#err`, `warning` or `error`. */
  severity: string;
}

export interface PreviewDigest {
  /** The config the preview ran with, secrets blinded. */
  config?: Record<string, string>;
  steps?: PreviewStep[];
  diagnostics?: PreviewDiagnostic[];
  changeSummary?: Record<string, number>;
  /** Nanoseconds. */
  duration?: number;
}

/**
 * Resource types whose replacement or deletion loses data or breaks what trusts them, with what
 * to call them. Pulumi type tokens as `@pulumi/aws` 7 writes them (`bucketV2` for older states).
 */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  "aws:dynamodb/table:Table": "DynamoDB table",
  "aws:s3/bucket:Bucket": "S3 bucket",
  "aws:s3/bucketV2:BucketV2": "S3 bucket",
  "aws:secretsmanager/secret:Secret": "Secrets Manager secret",
  "aws:cloudwatch/logGroup:LogGroup": "CloudWatch log group",
  "aws:kms/key:Key": "KMS key",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "IAM OIDC provider",
};

/** The steps of one replacement: a resource with any of them is replaced. */
const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

/** A resource the deployment would replace or delete. */
export interface ResourceChange {
  op: "replace" | "delete";
  urn: string;
  type: string;
  name: string;
  /** Marked `protect`: Pulumi refuses to replace or delete it, so the update would stop there. */
  protect: boolean;
  /** Marked `retainOnDelete`: a delete only drops it from the stack, it stays in AWS. */
  retainOnDelete: boolean;
  /** What it holds, for a stateful type (`DynamoDB table`). */
  stateful?: string;
  replaceReasons: string[];
}

export interface PreviewVerdict {
  /** Resources per operation: a replacement's three steps count once, as `replace`. */
  counts: Record<string, number>;
  /** Every resource replaced or deleted, in the preview's order. */
  changes: ResourceChange[];
  /** Error diagnostics: the preview failed, so the update would too. */
  errors: string[];
  /** Warning diagnostics, shown as they are. */
  warnings: string[];
}

/** Parses what `pulumi preview --json` printed; throws when it is not a preview digest. */
export function readPreview(stdout: string): PreviewDigest {
  const digest: unknown = JSON.parse(stdout);
  if (typeof digest !== "object" || digest === null || Array.isArray(digest)) {
    throw new Error("not a JSON object");
  }
  const { steps, diagnostics } = digest as PreviewDigest;
  if (steps !== undefined && !Array.isArray(steps)) throw new Error("'steps' is not a list");
  if (diagnostics !== undefined && !Array.isArray(diagnostics))
    throw new Error("'diagnostics' is not a list");
  return digest as PreviewDigest;
}

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>`: the resource's own type and name. */
export function urnParts(urn: string): { type: string; name: string } {
  const [, , typeChain = "", ...name] = urn.split("::");
  return { type: typeChain.split("$").at(-1) ?? typeChain, name: name.join("::") || urn };
}

/** Reads a preview digest: what happens to each resource, and the diagnostics. */
export function judgePreview(digest: PreviewDigest): PreviewVerdict {
  const byUrn = new Map<string, PreviewStep[]>();
  for (const step of digest.steps ?? []) {
    if (typeof step?.urn !== "string" || typeof step.op !== "string") continue;
    byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  }
  const counts: Record<string, number> = {};
  const changes: ResourceChange[] = [];
  for (const [urn, steps] of byUrn) {
    const replaced = steps.some((step) => REPLACE_OPS.has(step.op));
    const deleted = steps.some((step) => step.op === "delete");
    const op = replaced ? "replace" : deleted ? "delete" : (steps[0]?.op ?? "same");
    counts[op] = (counts[op] ?? 0) + 1;
    if (op !== "replace" && op !== "delete") continue;
    const states = steps
      .flatMap((step) => [step.oldState, step.newState])
      .filter((state) => state !== undefined);
    const fromUrn = urnParts(urn);
    const type = states.find((state) => typeof state.type === "string")?.type ?? fromUrn.type;
    changes.push({
      op,
      urn,
      type,
      name: fromUrn.name,
      protect: states.some((state) => state.protect === true),
      retainOnDelete: states.some((state) => state.retainOnDelete === true),
      ...(STATEFUL_TYPES[type] ? { stateful: STATEFUL_TYPES[type] } : {}),
      replaceReasons: [...new Set(steps.flatMap((step) => step.replaceReasons ?? []))],
    });
  }
  const messages = (severity: string) =>
    (digest.diagnostics ?? [])
      .filter((diagnostic) => diagnostic?.severity === severity && typeof diagnostic.message === "string")
      .map((diagnostic) => {
        const where = diagnostic.urn ? `${urnParts(diagnostic.urn).name}: ` : "";
        return `${where}${diagnostic.message.trim()}`;
      });
  return { counts, changes, errors: messages("error"), warnings: messages("warning") };
}

const OP_ORDER = ["create", "update", "replace", "delete"];

/** `create 1, update 2, replace 1, same 40`: the changes first, `same` last. */
export function formatCounts(counts: Record<string, number>): string {
  const ops = Object.keys(counts).sort((a, b) => {
    const rank = (op: string) =>
      op === "same" ? 99 : OP_ORDER.indexOf(op) === -1 ? 50 : OP_ORDER.indexOf(op);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  return ops.map((op) => `${op} ${counts[op]}`).join(", ") || "no resources";
}

function describeChange(change: ResourceChange): string {
  const notes = [
    change.stateful,
    change.protect ? "protected" : undefined,
    change.retainOnDelete && change.op === "delete"
      ? "retainOnDelete: kept in AWS, dropped from the stack"
      : undefined,
    change.replaceReasons.length > 0 ? `because of ${change.replaceReasons.join(", ")}` : undefined,
  ].filter(Boolean);
  return `  ${change.op.padEnd(8)} ${change.type}  ${change.name}${notes.length > 0 ? `  (${notes.join("; ")})` : ""}`;
}

/** The readable preview: counts per operation, then each resource replaced or deleted, then diagnostics. */
export function formatPreview(verdict: PreviewVerdict): string {
  const lines = [`  ${formatCounts(verdict.counts)}`];
  if (verdict.changes.length === 0) lines.push("  nothing would be replaced or deleted");
  else lines.push(...verdict.changes.map(describeChange));
  lines.push(...verdict.warnings.map((warning) => `  warning: ${warning}`));
  lines.push(...verdict.errors.map((error) => `  error: ${error}`));
  return `${lines.join("\n")}\n`;
}

export interface RollbackDecision {
  proceed: boolean;
  /** Why it stops, or (with `--force`) what it goes ahead despite; empty when nothing stood in the way. */
  message: string;
}

const named = (changes: readonly ResourceChange[]) =>
  changes
    .map((change) => `${change.op === "delete" ? "delete" : "replace"} ${change.type} ${change.name}`)
    .join(", ");

/**
 * Whether a rollback goes ahead after its preview. It stops when a `protect`ed resource would be
 * replaced or deleted (Pulumi refuses those, so the update would stop midway) and when the preview
 * failed, whatever `force` says; it stops when a stateful resource would be replaced or deleted,
 * unless `force`.
 */
export function decideRollback(verdict: PreviewVerdict, options: { force: boolean }): RollbackDecision {
  const protectedChanges = verdict.changes.filter((change) => change.protect);
  if (protectedChanges.length > 0) {
    return {
      proceed: false,
      message: `the rollback would ${named(protectedChanges)}, marked protect. Pulumi refuses to replace or delete a protected resource, so pulumi up would stop midway; --force does not get past this. Roll back to a later update with --to, or deploy a fix forward.`,
    };
  }
  if (verdict.errors.length > 0) {
    return {
      proceed: false,
      message: `the preview failed (${verdict.errors.length} error${verdict.errors.length === 1 ? "" : "s"}, listed above), so pulumi up would fail too; --force does not get past a failed preview.`,
    };
  }
  const stateful = verdict.changes.filter((change) => change.stateful !== undefined);
  if (stateful.length === 0) return { proceed: true, message: "" };
  const what = `the rollback would ${named(stateful)}: stateful resources, whose data or trust would be lost.`;
  if (!options.force) {
    return {
      proceed: false,
      message: `${what} Rerun with --force if that is meant (resources marked protect are still never touched: Pulumi refuses those), or roll back to a later update with --to.`,
    };
  }
  return { proceed: true, message: `--force: going ahead although ${what}` };
}
