/**
 * @module fuzz-requests: fast-check arbitraries for random and malformed API requests: ids, query
 * strings, JSON bodies built from the request schemas and then broken, other bodies, headers.
 */
import { type IdKind, idPrefixes, storyStatuses, taskStatuses } from "@aipm/shared";
import { projectExportArbitrary } from "@aipm/testing";
import fc from "fast-check";
import { MAX_BODY_BYTES } from "../src/app.ts";

/** An object the fuzzer knows exists (or existed), with the project it belongs to. */
export interface Known {
  id: string;
  projectId: string | null;
}

/** What the fuzzer has seen created, by kind, and what it has seen deleted. */
export type Pools = Record<IdKind, Known[]> & { deleted: Known[] };

const ulid = fc.stringMatching(/^[0-9a-hjkmnp-tv-z]{26}$/);
const bigCount = fc.constantFrom(1_000, 10_000, 100_000);

/** A string that is valid JSON text or not, in every flavour: ASCII, any code point, long. */
export const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "\t",
      "line\nbreak",
      "\r\n",
      "\u0000",
      "\u202e",
      "😀",
      "é".repeat(201),
    ),
  },
  { weight: 1, arbitrary: bigCount.map((n) => "x".repeat(n)) },
);

/** A JSON value of the wrong kind for wherever it lands. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -1, -0, 1.5, 2 ** 53 + 1, 1e308, -1e308, 1e-320),
  anyText,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 40 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 5 }),
  fc.constant(JSON.parse('{"__proto__": {"role": "admin"}, "constructor": {"prototype": {}}}')),
);

/** Mostly a valid single line of at most `max` characters; now and then one just past a limit. */
const name = (max: number) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
    { weight: 3, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("x".repeat(max), "x".repeat(max + 1), "  padded  ", "two\nlines", "", "   "),
    },
  );
/** Mostly `valid`, sometimes `invalid`. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const steps = fc.array(name(1_000), { minLength: 1, maxLength: 4 });
const version = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 1, arbitrary: weirdValue },
);

/** An id of `kind` that looks right but names nothing. */
function unknownId(kind: IdKind): fc.Arbitrary<string> {
  return ulid.map((value) => `${idPrefixes[kind]}_${value}`);
}

/** A malformed id of `kind`: near misses, junk, Unicode, very long. */
function malformedId(kind: IdKind): fc.Arbitrary<string> {
  const prefix = idPrefixes[kind];
  return fc.oneof(
    anyText,
    ulid.map((value) => `${prefix}_${value.toUpperCase()}`),
    ulid.map((value) => `${prefix}_${value.slice(1)}`),
    ulid.map((value) => `${prefix}_${value}0`),
    ulid.map((value) => `${prefix}-${value}`),
    ulid.map((value) => `${prefix}_${value.slice(0, 24)}il`),
    ulid.map((value) => ` ${prefix}_${value}`),
    fc.constantFrom(
      "",
      ".",
      "..",
      "%",
      "%zz",
      "%2F",
      "%00",
      "null",
      "0",
      "-1",
      "1e999",
      "[]",
      "{}",
      "__proto__",
      `${prefix}_`,
      "😀",
    ),
    bigCount.map((n) => `${prefix}_${"é".repeat(n)}`),
  );
}

/** Where the ids of requests come from: the pools as they are when a request is built. */
export interface IdSource {
  /** An id of an object of `kind` that exists, or one that looks right when there is none. */
  existing(kind: IdKind | null): fc.Arbitrary<string>;
  /** Any id for a field of `kind`: existing, unknown, deleted, of another kind, malformed. */
  any(kind: IdKind | null): fc.Arbitrary<string>;
}

/** The id arbitraries of the pools as they are now, each built once. */
export function idSource(pools: Pools): IdSource {
  const all = Object.values(pools).flat();
  const oneOf = (entries: readonly Known[], otherwise: fc.Arbitrary<string>) =>
    entries.length > 0 ? fc.constantFrom(...entries.map((entry) => entry.id)) : otherwise;
  const existing = memoize((kind: IdKind | null) =>
    oneOf(kind ? pools[kind] : all, unknownId(kind ?? "story")),
  );
  const any = memoize((kind: IdKind | null) =>
    fc.oneof(
      { weight: 4, arbitrary: existing(kind) },
      { weight: 2, arbitrary: unknownId(kind ?? "story") },
      { weight: 1, arbitrary: oneOf(pools.deleted, unknownId(kind ?? "story")) },
      { weight: 1, arbitrary: oneOf(all, unknownId(kind ?? "story")) },
      { weight: 4, arbitrary: malformedId(kind ?? "story") },
    ),
  );
  return { existing, any };
}

function memoize<K, V>(build: (key: K) => V): (key: K) => V {
  const built = new Map<K, V>();
  return (key) => {
    if (!built.has(key)) built.set(key, build(key));
    return built.get(key) as V;
  };
}

/** Request bodies that should be accepted, per schema name in the OpenAPI document. */
export function validBodies(id: IdSource): Record<string, fc.Arbitrary<Record<string, unknown>>> {
  const owner = mostly(fc.stringMatching(/^[A-Za-z0-9]{1,12}(-[A-Za-z0-9]{1,8})?$/), name(40));
  const repositoryName = mostly(
    fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
    fc.oneof(fc.constantFrom(".", "..", "x.git"), name(100)),
  );
  const branch = mostly(
    fc.constantFrom("main", "develop", "release/1.0"),
    fc.oneof(name(200), fc.constantFrom("HEAD", "a..b", "-x", "a b")),
  );
  const storyFields = {
    title: name(200),
    asA: name(500),
    iWant: name(2_000),
    soThat: name(2_000),
    description: name(20_000),
    components: fc.array(name(60), { maxLength: 4 }),
    storyPoints: mostly(fc.oneof(fc.integer({ min: 0, max: 13 }), fc.constant(null)), fc.integer()),
    assignee: name(200),
    status: fc.constantFrom(...storyStatuses),
    parentId: fc.oneof(fc.constant(null), id.existing("story"), id.any("story")),
  };
  const runFields = {
    agent: mostly(
      fc.constantFrom("scaffold", "kiro", "claude", "codex", "aider", "command:true"),
      fc.constantFrom("command:", "gpt", ""),
    ),
    maxAttempts: mostly(fc.integer({ min: 1, max: 10 }), fc.integer()),
    instructions: name(4_000),
  };
  const testFields = {
    title: name(200),
    given: steps,
    when: steps,
    then: steps,
    status: fc.constantFrom("Draft", "Ready", "Pass", "Fail"),
  };
  return {
    ProjectCreate: fc.record(
      {
        name: name(200),
        description: name(10_000),
        repository: fc.record(
          {
            provider: fc.constantFrom("github", "local"),
            owner,
            name: repositoryName,
            defaultBranch: branch,
          },
          { requiredKeys: ["provider", "owner", "name"] },
        ),
      },
      { requiredKeys: ["name", "repository"] },
    ),
    ProjectUpdate: fc.record(
      {
        version,
        name: name(200),
        description: name(10_000),
        repository: fc.record({ defaultBranch: branch }),
      },
      { requiredKeys: [] },
    ),
    StoryCreate: fc.record(storyFields, { requiredKeys: ["title"] }),
    StoryUpdate: fc.record({ version, ...storyFields }, { requiredKeys: ["version"] }),
    AcceptanceTestCreate: fc.record(testFields, { requiredKeys: ["title", "given", "when", "then"] }),
    AcceptanceTestUpdate: fc.record({ version, ...testFields }, { requiredKeys: [] }),
    DependencyCreate: fc.record({ dependsOnId: mostly(id.existing("story"), id.any("story")) }),
    TokenCreate: fc.record(
      {
        name: name(100),
        role: mostly(fc.constantFrom("admin", "editor", "viewer"), fc.constantFrom("owner", "ADMIN", "")),
        projectId: fc.oneof(fc.constant(null), id.existing("project"), id.any("project")),
      },
      { requiredKeys: ["name", "role"] },
    ),
    CodeGenerationCreate: fc.record(
      { ...runFields, force: mostly<unknown>(fc.boolean(), fc.constantFrom("yes", 1)) },
      { requiredKeys: [] },
    ),
    TaskRun: fc.record(runFields, { requiredKeys: [] }),
    RoundCreate: fc.record({ ...runFields, feedback: name(10_000) }, { requiredKeys: ["feedback"] }),
    // Small random projects, valid as they are: imports that succeed, or meet ids already taken.
    ProjectExport: projectExportArbitrary({ stories: 4, tasks: 2 }) as unknown as fc.Arbitrary<
      Record<string, unknown>
    >,
  };
}

/** A GitHub `pull_request` event, about a real story's branch or not. */
export function webhookPayload(id: IdSource): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    action: fc.constantFrom("closed", "closed", "opened", "reopened", "synchronize"),
    pull_request: fc.record({
      number: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer()),
      merged: fc.constantFrom(true, false, null),
      head: fc.record({
        ref: fc.oneof(
          id.existing("story").map((storyId) => `aipm/${storyId}-some-title`),
          id.any("story").map((storyId) => `aipm/${storyId}`),
          anyText,
        ),
      }),
    }),
    repository: fc.record({ name: fc.constant("app"), owner: fc.record({ login: fc.constant("octo") }) }),
  });
}

/** Ways to break a valid body; `deep` and `huge` produce the JSON text directly. */
type Mutation = "drop" | "wrong-type" | "nested-wrong-type" | "extra" | "replace" | "deep" | "huge";

const mutation = fc.constantFrom<Mutation>(
  "drop",
  "wrong-type",
  "nested-wrong-type",
  "extra",
  "replace",
  "deep",
  "huge",
);

/** A JSON body text: `valid` broken in one way. */
export function brokenJson(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc
    .tuple(
      valid,
      mutation,
      fc.nat(),
      weirdValue,
      fc.string({ maxLength: 12 }),
      fc.constantFrom(100, 10_000, 100_000),
    )
    .map(([body, kind, index, value, key, size]) => {
      const keys = Object.keys(body);
      const target = keys[index % Math.max(1, keys.length)] ?? "title";
      const copy: Record<string, unknown> = structuredClone(body);
      switch (kind) {
        case "drop":
          delete copy[target];
          break;
        case "wrong-type":
          copy[target] = value;
          break;
        case "nested-wrong-type": {
          const nested = Object.values(copy).find((field) => typeof field === "object" && field !== null);
          if (Array.isArray(nested)) nested.push(value);
          else if (nested) Object.assign(nested, { [key || "provider"]: value });
          else copy[target] = [value];
          break;
        }
        case "extra":
          copy[key || "id"] = value;
          break;
        case "replace":
          return JSON.stringify(value) ?? "null";
        case "deep": {
          const inner = `${"[".repeat(size)}${"]".repeat(size)}`;
          return JSON.stringify(copy).replace(/}$/, `${keys.length > 0 ? "," : ""}"${target}":${inner}}`);
        }
        case "huge":
          // Just over the body limit, or under it but far over any field's limit.
          copy[target] = "y".repeat(size === 100 ? MAX_BODY_BYTES + 1 : size * 2);
          break;
      }
      return JSON.stringify(copy);
    });
}

/** Bodies that are not JSON at all, or not quite. */
export const nonJsonBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  anyText,
  fc.constantFrom(
    "{",
    "}",
    "[",
    "{'title': 'single quotes'}",
    '{"title": }',
    '{"title": "x",}',
    "undefined",
    "NaN",
    "\uFEFF{}",
    "{}garbage",
    "1 2",
    "title=x&given=y",
    '--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--xyz--\r\n',
  ),
  fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))),
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])),
);

/** A Content-Type other than plain `application/json`: JSON variants, other types, junk. */
export const contentType = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/merge-patch+json",
      "application/problem+json",
      "application/json; charset=latin1",
      "application/json;",
      "text/plain",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "multipart/form-data",
      "application/octet-stream",
      "application/jsonx",
      ";",
      "",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 30 }).map(headerSafe) },
);

/** Values a header can carry (a ByteString without CR, LF or NUL); fetch refuses anything else. */
export function headerSafe(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters fetch refuses
  return value.replace(/[\r\n\u0000]/g, " ").replace(/[^\u0000-\u00ff]/g, "?");
}

const idempotencyKey = fc.oneof(
  fc.uuid(),
  fc.constantFrom("fuzz-key-1", "fuzz-key-2", "", " ", "a b", "é", "\t", "k".repeat(255), "k".repeat(256)),
  fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 300 }).map(headerSafe),
);

/** One to three odd headers besides Authorization and Content-Type. */
export const oddHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constant("Idempotency-Key"), idempotencyKey),
      fc.tuple(
        fc.constant("Accept"),
        fc.constantFrom("application/json", "text/event-stream", "*/*", "text/html", "garbage;;"),
      ),
      fc.tuple(
        fc.constant("Last-Event-ID"),
        fc.constantFrom("1", "0", "-5", "abc", "2.5", " 3 ", "1e300", "9".repeat(400), "0x10"),
      ),
      fc.tuple(
        fc.constant("Origin"),
        fc.constantFrom("http://localhost:5173", "http://evil.example", "null"),
      ),
      fc.tuple(fc.constant("Content-Length"), fc.constantFrom("0", "1", "abc", "-1", "99999999999")),
      fc.tuple(fc.constant("X-Forwarded-For"), fc.constantFrom("127.0.0.1", "::1, 10.0.0.1", "not-an-ip")),
      fc.tuple(fc.constant("X-HTTP-Method-Override"), fc.constantFrom("DELETE", "PUT", "GET")),
      fc.tuple(fc.constant("X-Fuzz"), fc.string({ unit: "binary", maxLength: 40 }).map(headerSafe)),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((entries) => Object.fromEntries(entries));

/** A query string: known parameters with good and bad values, unknown ones, and raw junk. */
export function queryString(parameters: readonly QueryParameter[], id: IdSource): fc.Arbitrary<string> {
  const value = (parameter: QueryParameter): fc.Arbitrary<string> => {
    const kind = idKindOfName(parameter.name);
    if (parameter.enum) return fc.oneof(fc.constantFrom(...parameter.enum), anyText);
    if (kind) return fc.oneof(id.any(kind), anyText);
    if (parameter.name === "status") return fc.oneof(fc.constantFrom(...taskStatuses), anyText);
    return fc.oneof(
      fc.integer({ min: -2, max: 600 }).map(String),
      fc.constantFrom("", "1e300", "1.5", "NaN", "Infinity", "-0", "0x10", "9".repeat(400)),
      anyText,
    );
  };
  const pair = fc.oneof(
    ...parameters.map((parameter) => fc.tuple(fc.constant(parameter.name), value(parameter))),
    fc.tuple(fc.string({ maxLength: 10 }), anyText),
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(pair, { minLength: 1, maxLength: 4 })
        .map((pairs) => `?${pairs.map(([k, v]) => `${safeEncode(k)}=${safeEncode(v)}`).join("&")}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "?",
        "?&&",
        "?=",
        "?%",
        "?a=%zz",
        "?cascade",
        "?cascade=true&cascade=false",
        "?limit[]=1",
        "?after=1e300",
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((raw) => `?${raw}`) },
  );
}

/** A query string a client could well send: some of the known parameters, with good values. */
export function validQueryString(parameters: readonly QueryParameter[], id: IdSource): fc.Arbitrary<string> {
  const value = (parameter: QueryParameter): fc.Arbitrary<string> => {
    const kind = idKindOfName(parameter.name);
    if (parameter.enum) return fc.constantFrom(...parameter.enum);
    if (kind) return id.existing(kind);
    if (parameter.name === "status") return fc.constantFrom(...taskStatuses);
    return fc.integer({ min: 1, max: 50 }).map(String);
  };
  if (parameters.length === 0) return fc.constant("");
  return fc
    .subarray([...parameters])
    .chain((chosen) =>
      fc.tuple(
        ...chosen.map((parameter) => value(parameter).map((v) => `${parameter.name}=${safeEncode(v)}`)),
      ),
    )
    .map((pairs) => (pairs.length > 0 ? `?${pairs.join("&")}` : ""));
}

export interface QueryParameter {
  name: string;
  enum?: string[];
}

/** The kind of id a path or query parameter names, from its name. */
export function idKindOfName(parameterName: string): IdKind | null {
  const kinds: Record<string, IdKind> = {
    projectId: "project",
    storyId: "story",
    dependsOnId: "story",
    parentId: "story",
    testId: "acceptanceTest",
    taskId: "task",
    tokenId: "token",
  };
  return kinds[parameterName] ?? null;
}

/** `encodeURIComponent`, or the text itself when it holds a lone surrogate (the URL parser copes). */
export function safeEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}
