/**
 * @module fuzz: random and malformed requests to every route of the OpenAPI document, as every
 * kind of caller, against real data. No answer may be a 5xx, and every 4xx is a problem document
 * (`application/problem+json` with a string type, title and detail, and the HTTP status as its
 * status). A failure prints the seed; `AIPM_FUZZ_SEED=<seed>` replays the run. Then bodies over
 * the limit, to every write route as every caller over a real socket: each must be answered 413,
 * not reset.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type IdKind, idPrefixes } from "@aipm/shared";
import { ADMIN_TOKEN, type FakeGithub, startFakeGithub, useTestApi } from "@aipm/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app.ts";
import { nodeListener } from "../src/node-server.ts";
import { answerProblems, type Caller } from "./fuzz-answers.ts";
import { type OpenApiDocument, type Operation, operationsOf } from "./fuzz-operations.ts";
import { type Outcome, type OversizedRequest, sendOversized } from "./fuzz-oversized.ts";
import {
  anyText,
  brokenJson,
  contentType,
  headerSafe,
  type IdSource,
  idKindOfName,
  idSource,
  type Known,
  nonJsonBody,
  oddHeaders,
  type Pools,
  queryString,
  safeEncode,
  validBodies,
  validQueryString,
  webhookPayload,
} from "./fuzz-requests.ts";
import { fakeGithubForge } from "./task-support.ts";

const RUNS = 1_500;
/** Oversized bodies sent over a socket, and how many at once. */
const OVERSIZED = 200;
const OVERSIZED_AT_ONCE = 8;
/** The import's body limit here: past the usual 256 KiB, small enough to send 8 bodies over it at once. */
const IMPORT_MAX_BYTES = 512 * 1024;
/** A request left unanswered this long is reported as a hang rather than stalling the suite. */
const ANSWER_WITHIN_MS = 10_000;
const WEBHOOK_SECRET = "fuzz-webhook-secret-0123456789";
/** The collection a path segment names, so a 204 to `DELETE /<collection>/{id}` retires the id. */
const COLLECTIONS: Record<string, IdKind> = {
  projects: "project",
  stories: "story",
  "acceptance-tests": "acceptanceTest",
  tokens: "token",
  tasks: "task",
};

interface FuzzRequest {
  operation: Operation;
  caller: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The object named by the path, when the fuzzer knows it. */
  target: Known | null;
  pathMutated: boolean;
  /** The aspects the request gets wrong on purpose. */
  broken: Aspect[];
}

let github: FakeGithub;
/** The app on a local DynamoDB, with the real GitHub forge against a fake GitHub started first. */
const api = useTestApi(async () => {
  github = await startFakeGithub();
  for (const repository of ["acme/shop", "octo/app", "octo/empty"]) github.state.addRepository(repository);
  // The real GitHub forge against the fake GitHub; projects on other repositories get the forge's 4xx.
  const forge = fakeGithubForge(github, "ghp_fuzz");
  return {
    forges: { github: forge },
    webhookSecret: async () => WEBHOOK_SECRET,
    importMaxBytes: IMPORT_MAX_BYTES,
  };
});
let operations: Operation[];
const callers: Record<string, Caller> = {};
const pools: Pools = {
  project: [],
  story: [],
  acceptanceTest: [],
  task: [],
  token: [],
  pullRequest: [],
  deleted: [],
};
const tally = new Map<string, { requests: number; ok: number; clientError: number }>();
let requestCount = 0;
/** Bumped whenever the pools change, so that the arbitraries built from them are rebuilt. */
let poolsVersion = 0;
let operationArbitrary: fc.Arbitrary<Operation>;
/** The paths that need no token (the documentation and the GitHub webhook). */
let publicPaths: Set<string>;

/** Puts the ids of whatever a 2xx answer created into the pools. */
function remember(body: unknown): void {
  const candidates = [body, (body as { task?: unknown } | null)?.task];
  for (const candidate of candidates) {
    if (typeof candidate !== "object" || candidate === null) continue;
    const { id, projectId, storyId } = candidate as Record<string, unknown>;
    if (typeof id !== "string") continue;
    const kind = (Object.entries(idPrefixes) as [IdKind, string][]).find(([, prefix]) =>
      id.startsWith(`${prefix}_`),
    )?.[0];
    if (!kind || pools[kind].some((known) => known.id === id)) continue;
    const storyProject = pools.story.find((story) => story.id === storyId)?.projectId ?? null;
    const owner = kind === "project" ? id : typeof projectId === "string" ? projectId : storyProject;
    pools[kind].push({
      id,
      projectId: kind === "token" ? (typeof projectId === "string" ? projectId : null) : owner,
    });
    poolsVersion++;
  }
}

/** Moves the id a successful `DELETE /<collection>/{id}` removed to the deleted pool. */
function forget(request: FuzzRequest): void {
  const segments = request.operation.template.split("/");
  const last = segments.at(-1) ?? "";
  const kind = COLLECTIONS[segments.at(-2) ?? ""];
  if (!kind || !request.target || idKindOfName(last.slice(1, -1)) !== kind) return;
  pools[kind] = pools[kind].filter((known) => known.id !== request.target?.id);
  pools.deleted.push(request.target);
  poolsVersion++;
}

interface PoolArbitraries {
  version: number;
  id: IdSource;
  bodies: Map<string, fc.Arbitrary<string>>;
  queries: Map<string, fc.Arbitrary<string>>;
}
let built: PoolArbitraries | undefined;

/** The arbitraries that draw from the pools, rebuilt only when the pools changed. */
function poolArbitraries(): PoolArbitraries {
  if (built?.version !== poolsVersion)
    built = { version: poolsVersion, id: idSource(pools), bodies: new Map(), queries: new Map() };
  return built;
}

/** A JSON body for the operation: one its schema accepts (mostly), or one broken in some way. */
function bodyFor(operation: Operation, broken: boolean): fc.Arbitrary<string> {
  const { id, bodies } = poolArbitraries();
  const schema = operation.template === "/api/webhooks/github" ? "webhook" : (operation.bodySchema ?? "any");
  const key = `${schema} ${broken}`;
  let arbitrary = bodies.get(key);
  if (!arbitrary) {
    const valid =
      (schema === "webhook" ? webhookPayload(id) : validBodies(id)[schema]) ??
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }));
    arbitrary = broken ? brokenJson(valid) : valid.map((body) => JSON.stringify(body));
    bodies.set(key, arbitrary);
  }
  return arbitrary;
}

function queryFor(operation: Operation, broken: boolean): fc.Arbitrary<string> {
  const { id, queries } = poolArbitraries();
  const key = `${operation.method} ${operation.template} ${broken}`;
  let arbitrary = queries.get(key);
  if (!arbitrary) {
    arbitrary = broken ? queryString(operation.query, id) : validQueryString(operation.query, id);
    queries.set(key, arbitrary);
  }
  return arbitrary;
}

/** What a request can get wrong; a well-formed request gets none of it wrong. */
const ASPECTS = ["caller", "method", "ids", "path", "query", "body", "contentType", "headers"] as const;
type Aspect = (typeof ASPECTS)[number];
const brokenAspects = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Aspect[]>([]) },
  { weight: 3, arbitrary: fc.subarray([...ASPECTS], { minLength: 1, maxLength: 3 }) },
);
const goodCallers = fc.oneof(
  { weight: 5, arbitrary: fc.constant("admin") },
  { weight: 2, arbitrary: fc.constantFrom("editor", "scopedEditor") },
  { weight: 1, arbitrary: fc.constantFrom("viewer", "scopedViewer") },
);
const badCallers = fc.constantFrom("viewer", "scopedViewer", "none", "unknown", "malformed");
const malformedAuthorization = fc.oneof(
  fc.constantFrom(
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Bearer a b",
    "Token abc",
    `Bearer ${ADMIN_TOKEN}x`,
    "Bearer\t",
  ),
  fc.string({ unit: "binary-ascii", maxLength: 60 }).map(headerSafe),
);
const methods = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "FOO", "patch");
const pathMutations = fc.constantFrom("trailing-slash", "double-slash", "upper", "suffix");

/** Builds one request from the generator, reading the pools as they are now. */
function buildRequest(g: fc.GeneratorValue): FuzzRequest {
  const pick = <T>(arbitrary: fc.Arbitrary<T>): T => g(() => arbitrary);
  const broken = new Set(pick(brokenAspects));
  const bad = (aspect: Aspect) => broken.has(aspect);
  const { id } = poolArbitraries();
  const operation = pick(operationArbitrary);
  const callerName = pick(bad("caller") ? badCallers : goodCallers);
  const method = bad("method") ? pick(methods) : operation.method;

  let target: Known | null = null;
  let path = operation.template;
  for (const parameter of operation.pathParameters) {
    const kind = idKindOfName(parameter);
    const value = pick(bad("ids") ? id.any(kind) : id.existing(kind));
    target ??=
      Object.values(pools)
        .flat()
        .find((entry) => entry.id === value) ?? null;
    path = path.replace(`{${parameter}}`, bad("ids") && pick(fc.boolean()) ? value : safeEncode(value));
  }
  const mutation = bad("path") ? pick(pathMutations) : null;
  if (mutation === "trailing-slash") path = `${path}/`;
  if (mutation === "double-slash") path = path.replace("/api/", "/api//");
  if (mutation === "upper") path = path.toUpperCase();
  if (mutation === "suffix") path = `${path}/${safeEncode(pick(anyText))}`;
  path += pick(queryFor(operation, bad("query")));

  const headers: Record<string, string> = bad("headers") ? { ...pick(oddHeaders) } : {};
  const authorization =
    callerName === "malformed" ? pick(malformedAuthorization) : (callers[callerName]?.authorization ?? null);
  if (authorization !== null) headers.Authorization = authorization;

  let body: string | Uint8Array | undefined;
  if (method !== "GET" && method !== "HEAD") {
    const isWebhook = operation.template === "/api/webhooks/github";
    if (!bad("body")) {
      body = operation.bodySchema || isWebhook ? pick(bodyFor(operation, false)) : undefined;
    } else {
      const shape = pick(fc.constantFrom("broken-json", "broken-json", "not-json", "none"));
      if (shape === "broken-json") body = pick(bodyFor(operation, true));
      if (shape === "not-json") body = pick(nonJsonBody);
    }
    if (bad("contentType")) {
      const type = pick(fc.option(contentType, { freq: 4 }));
      if (type !== null) headers["Content-Type"] = type;
    } else if (body !== undefined) headers["Content-Type"] = "application/json";
    if (isWebhook) {
      const text = typeof body === "string" ? body : body ? Buffer.from(body).toString("utf8") : "";
      const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(text, "utf8").digest("hex")}`;
      headers["X-Hub-Signature-256"] = signature;
      headers["X-GitHub-Event"] = "pull_request";
      if (bad("headers")) {
        const [wrongSignature, event] = pick(
          fc.tuple(
            fc.constantFrom(signature, "", "sha256=00", "sha1=abc", `${signature}0`),
            fc.constantFrom("pull_request", "push", ""),
          ),
        );
        headers["X-Hub-Signature-256"] = wrongSignature;
        headers["X-GitHub-Event"] = event;
      }
    }
  }
  return {
    operation,
    caller: callerName,
    method,
    path,
    headers,
    body,
    target,
    pathMutated: mutation !== null,
    broken: [...broken],
  };
}

function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? ""
      : typeof request.body === "string"
        ? request.body
        : `bytes ${Buffer.from(request.body).toString("hex")}`;
  const headers = JSON.stringify(request.headers);
  const broken = request.broken.length > 0 ? request.broken.join(", ") : "nothing";
  return [
    `${request.method} ${request.path.slice(0, 300)} as ${request.caller} (broken on purpose: ${broken})`,
    `  headers: ${headers.slice(0, 400)}`,
    `  body (${body.length} chars): ${body.slice(0, 400)}`,
  ].join("\n");
}

/** The promise's value, or `undefined` when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a request and returns what is wrong with the answer (nothing, mostly). */
async function sendAndCheck(request: FuzzRequest): Promise<string[]> {
  requestCount++;
  const hang = [`no answer within ${ANSWER_WITHIN_MS} ms\n  request: ${describeRequest(request)}`];
  const response = await within(
    Promise.resolve(
      api.app.request(request.path, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
      }),
    ),
    ANSWER_WITHIN_MS,
  );
  if (!response) return hang;
  const type = response.headers.get("Content-Type") ?? "";
  let text: string | undefined = "";
  // A live event stream ends when the task does; read none of it.
  if (type.startsWith("text/event-stream")) await response.body?.cancel();
  else text = await within(response.text(), ANSWER_WITHIN_MS);
  if (text === undefined) return hang;
  const { status } = response;
  const key = `${request.operation.method} ${request.operation.template}`;
  const row = tally.get(key) ?? { requests: 0, ok: 0, clientError: 0 };
  row.requests++;
  if (status < 300) row.ok++;
  if (status >= 400 && status < 500) row.clientError++;
  tally.set(key, row);

  const problems = answerProblems({ status, type, text }, request, callers[request.caller], publicPaths);
  if (status >= 200 && status < 300 && !request.pathMutated) {
    if (request.method === "DELETE" && status === 204) forget(request);
    if (text && type.startsWith("application/json")) remember(JSON.parse(text));
  }
  return problems.map(
    (problem) =>
      `${problem}\n  request: ${describeRequest(request)}\n  response: ${status} ${type} ${text.slice(0, 500)}`,
  );
}

async function seed(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await api.request("POST", path, { body });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, `seeding ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  remember(json);
  return json;
}

beforeAll(async () => {
  operations = operationsOf(
    (await (await api.request("GET", "/api/openapi.json", { token: null })).json()) as OpenApiDocument,
  );
  publicPaths = new Set(
    operations.filter((operation) => operation.isPublic).map((operation) => operation.template),
  );
  // Fewer requests to the static documentation and health routes, and fewer deletions, which
  // would otherwise empty the pools of real objects before long.
  operationArbitrary = fc.oneof(
    ...operations.map((operation) => ({
      weight: (operation.isPublic && operation.method === "GET") || operation.method === "DELETE" ? 1 : 3,
      arbitrary: fc.constant(operation),
    })),
  );

  const shop = await seed("/api/projects", {
    name: "Shop",
    repository: { provider: "github", owner: "acme", name: "shop" },
  });
  const hub = await seed("/api/projects", {
    name: "App",
    repository: { provider: "github", owner: "octo", name: "app" },
  });
  await seed("/api/projects", {
    name: "Empty",
    description: "no stories",
    repository: { provider: "github", owner: "octo", name: "empty" },
  });
  const story = (projectId: unknown, title: string, extra: Record<string, unknown> = {}) =>
    seed(`/api/projects/${projectId}/stories`, {
      title,
      asA: "shopper",
      iWant: "to pay",
      soThat: "I get my order",
      ...extra,
    });
  const steps = { given: ["a cart"], when: ["I pay"], then: ["I see a receipt"] };
  const root = await story(shop.id, "Checkout");
  const child = await story(shop.id, "Pay by card", { parentId: root.id, storyPoints: 3 });
  const grandchild = await story(shop.id, "Card declined", { parentId: child.id });
  const sibling = await story(shop.id, "Wallets", { components: ["payments"] });
  const hubStory = await story(hub.id, "Sign in");
  const hubOther = await story(hub.id, "Sign out", { parentId: hubStory.id });
  for (const target of [root, child, sibling, hubStory, hubOther]) {
    await seed(`/api/stories/${target.id}/acceptance-tests`, { title: "works", ...steps });
  }
  await seed(`/api/stories/${sibling.id}/dependencies`, { dependsOnId: grandchild.id });
  await seed(`/api/stories/${hubOther.id}/dependencies`, { dependsOnId: hubStory.id });
  const generation = await seed(`/api/stories/${hubStory.id}/code-generations`, {});
  await seed(`/api/tasks/${(generation.task as { id: string }).id}/cancel`, {});
  // It depends on a story not Done: generated anyway, by an editor's choice.
  await seed(`/api/stories/${hubOther.id}/code-generations`, {
    agent: "scaffold",
    maxAttempts: 2,
    force: true,
  });

  const token = async (name: string, role: string, projectId: unknown = null) =>
    (await seed("/api/tokens", { name, role, projectId })).token as string;
  const bearer = (value: string) => `Bearer ${value}`;
  callers.admin = { authorization: bearer(ADMIN_TOKEN), role: "admin", projectId: null };
  callers.editor = {
    authorization: bearer(await token("editor", "editor")),
    role: "editor",
    projectId: null,
  };
  callers.viewer = {
    authorization: bearer(await token("viewer", "viewer")),
    role: "viewer",
    projectId: null,
  };
  callers.scopedEditor = {
    authorization: bearer(await token("shop editor", "editor", shop.id)),
    role: "editor",
    projectId: String(shop.id),
  };
  callers.scopedViewer = {
    authorization: bearer(await token("app viewer", "viewer", hub.id)),
    role: "viewer",
    projectId: String(hub.id),
  };
  callers.none = { authorization: null, role: null, projectId: null };
  callers.unknown = {
    authorization: bearer("aipm_not-a-token-anyone-was-given-000000000"),
    role: null,
    projectId: null,
  };
  callers.malformed = { authorization: null, role: null, projectId: null };
  // The callers' own tokens stay out of the pool, so that a fuzzed DELETE cannot revoke a caller.
  pools.token = [];
  await token("spare", "admin");
});

// Runs before useTestApi's own afterAll, which stops the local DynamoDB (after hooks run in reverse).
afterAll(async () => {
  // Live event streams poll every 500 ms until cancelled; let the cancelled ones finish first.
  await new Promise((resolve) => setTimeout(resolve, 700));
  await github?.close();
});

describe("fuzz", () => {
  it(`answers ${RUNS} random and malformed requests to every route with no 5xx, and every 4xx with a problem document`, async () => {
    const seedValue = Number(process.env.AIPM_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    // Every request is checked and every violation kept, so that one run reports all it found.
    const violations: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        violations.push(...(await sendAndCheck(buildRequest(g))));
      }),
      { numRuns: RUNS, seed: seedValue },
    );

    const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(
      [
        `fuzz: ${requestCount} requests (seed ${seedValue}) over ${operations.length} operations`,
        ...rows.map(
          ([key, row]) =>
            `  ${key.padEnd(58)} ${String(row.requests).padStart(4)} sent, ${String(row.ok).padStart(3)} 2xx, ${String(row.clientError).padStart(4)} 4xx`,
        ),
      ].join("\n"),
    );
    const unseen = operations.filter((operation) => !tally.has(`${operation.method} ${operation.template}`));
    expect(unseen, "operations the fuzzer never reached").toEqual([]);
    expect(requestCount).toBeGreaterThanOrEqual(1_000);
    expect(
      violations,
      `seed ${seedValue}; replay with AIPM_FUZZ_SEED=${seedValue}\n${violations.slice(0, 10).join("\n\n")}`,
    ).toEqual([]);
  }, 120_000);
});

/** One oversized request: a write route with real ids, any caller, from just over its limit to 19x the usual limit over it, either client. */
function oversizedRequest(g: fc.GeneratorValue, writes: Operation[]): OversizedRequest {
  const pick = <T>(arbitrary: fc.Arbitrary<T>): T => g(() => arbitrary);
  const operation = pick(fc.constantFrom(...writes));
  const limit = operation.maxBodyBytes ?? MAX_BODY_BYTES;
  const { id } = poolArbitraries();
  let path = operation.template;
  for (const parameter of operation.pathParameters)
    path = path.replace(`{${parameter}}`, safeEncode(pick(id.existing(idKindOfName(parameter)))));
  const headers: Record<string, string> = {
    "Content-Type": pick(fc.constantFrom("application/json", "application/json", "text/plain")),
  };
  const authorization = callers[pick(fc.constantFrom(...Object.keys(callers)))]?.authorization;
  if (authorization) headers.Authorization = authorization;
  if (operation.template === "/api/webhooks/github") {
    headers["X-GitHub-Event"] = "pull_request";
    headers["X-Hub-Signature-256"] = "sha256=00";
  }
  return {
    method: operation.method,
    path,
    headers,
    size: pick(fc.integer({ min: limit + 1, max: limit + 19 * MAX_BODY_BYTES })),
    chunked: pick(fc.boolean()),
    client: pick(fc.constantFrom("node:http", "fetch")),
  };
}

describe("fuzz: oversized bodies over a socket", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer(nodeListener(api.app, api.deps));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server ? server.close(() => resolve()) : resolve();
      }),
  );

  it(`answers ${OVERSIZED} oversized bodies to every write route, as any caller, with a 413 problem document, not a reset`, async () => {
    const seedValue = Number(process.env.AIPM_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const writes = operations.filter((operation) => !["GET", "HEAD", "OPTIONS"].includes(operation.method));
    const requests = fc.sample(
      fc.gen().map((g) => oversizedRequest(g, writes)),
      { numRuns: OVERSIZED, seed: seedValue },
    );
    const outcomes: { sent: OversizedRequest; outcome: Outcome }[] = [];
    let next = 0;
    const sender = async () => {
      for (let sent = requests[next++]; sent; sent = requests[next++])
        outcomes.push({ sent, outcome: await sendOversized(url, sent) });
    };
    await Promise.all(Array.from({ length: OVERSIZED_AT_ONCE }, sender));

    const isTooLarge = (outcome: Outcome) =>
      "status" in outcome &&
      outcome.status === 413 &&
      outcome.type === "application/problem+json" &&
      (JSON.parse(outcome.body) as { type?: string }).type === "https://aipm.dev/problems/too-large";
    const answered = outcomes.filter(({ outcome }) => isTooLarge(outcome));
    const others = outcomes.filter(({ outcome }) => !isTooLarge(outcome));
    const routes = new Set(answered.map(({ sent }) => `${sent.method} ${sent.path.split("/")[2]}`));
    console.log(
      `fuzz: ${answered.length} of ${outcomes.length} oversized bodies answered 413 (seed ${seedValue}), over ${routes.size} kinds of write`,
    );
    expect(
      answered.length,
      `seed ${seedValue}; not a 413: ${JSON.stringify(
        others.slice(0, 5).map(({ sent, outcome }) => ({ ...sent, headers: undefined, outcome })),
      )}`,
    ).toBeGreaterThanOrEqual(Math.ceil(OVERSIZED * 0.99));
  }, 120_000);
});
