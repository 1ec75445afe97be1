/**
 * @module api/client: every call the app makes to the AIPM API, with the bearer token attached and
 * failures turned into {@link ApiError}s whose message a person can read.
 */
import type {
  AcceptanceTest,
  AgentList,
  AiAnswer,
  AiStatus,
  CodeGeneration,
  Health,
  InvestAnalysis,
  Project,
  ProjectCreate,
  ProjectUpdate,
  ProjectUsage,
  PullRequestEnded,
  PullRequestFile,
  PullRequestView,
  Queue,
  Story,
  StoryCreate,
  StoryDraft,
  StoryUpdate,
  Task,
  TaskEvent,
  TaskStatus,
  TestDraft,
  TraceabilityMatrix,
} from "../domain.ts";
import { describeProblem, type Problem } from "../problem.ts";
import { readEventStream } from "./sse.ts";

/** A failed API call: `status` 0 means the API could not be reached at all. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly problem: Problem | null = null,
  ) {
    super(message);
  }

  /** True for a 409: the thing changed since it was read, or the change would break a rule. */
  get isConflict(): boolean {
    return this.status === 409;
  }
}

export interface ApiClientOptions {
  /** Where the API lives; "" (the default) means the page's own origin. */
  baseUrl?: string;
  /** The current API token, read on every call. */
  token: () => string | null;
  fetch?: typeof fetch;
  /** Told when the API answers 401, so the app can ask for a token again. */
  onUnauthorized?: (error: ApiError) => void;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface EventsPage {
  events: TaskEvent[];
  taskStatus: TaskStatus;
  nextAfter: number;
}

/** A file the API wrote, and the name its Content-Disposition gives it (null without one). */
export interface Download {
  blob: Blob;
  filename: string | null;
}

/** What importing a project answers: the new project (or, from older APIs, its id at the top). */
export interface ProjectImported {
  project?: { id: string; name?: string };
  id?: string;
}

const id = encodeURIComponent;

/**
 * The file name of a Content-Disposition header: `filename*` (RFC 6266, UTF-8) before `filename`;
 * null when it names none. Path separators are dropped, so a name can never point elsewhere.
 *
 * @example fileNameFrom('attachment; filename="matrix.csv"') // "matrix.csv"
 */
export function fileNameFrom(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)?.[1];
  if (extended) {
    try {
      name = decodeURIComponent(extended.trim());
    } catch {
      name = null;
    }
  }
  name ??= /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header)?.slice(1).find(Boolean) ?? null;
  const safe = name?.replace(/\\(.)/g, "$1").split(/[\\/]/).pop()?.trim();
  return safe ? safe : null;
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(
    (entry): entry is [string, string | number] => entry[1] !== undefined,
  );
  return entries.length === 0 ? "" : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}`;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A client for the API.
 *
 * @example
 * const api = createApiClient({ token: () => sessionStorage.getItem("aipm.token") });
 * const projects = await api.listProjects();
 */
export function createApiClient(options: ApiClientOptions) {
  const baseUrl = options.baseUrl ?? "";
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  /** Sends a request; resolves with the raw response when its status is one of `accept`. */
  async function send(
    method: string,
    path: string,
    request: RequestOptions & { accept?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: request.accept ?? "application/json",
      ...request.headers,
    };
    const token = options.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (request.body !== undefined) headers["Content-Type"] = "application/json";
    try {
      return await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw new ApiError(
        0,
        "The AIPM API cannot be reached. Check your connection and that AIPM is running.",
      );
    }
  }

  async function fail(response: Response): Promise<never> {
    const body = await readBody(response);
    const problem = typeof body === "object" && body !== null ? (body as Problem) : null;
    const error = new ApiError(response.status, describeProblem(body, response.status), problem);
    if (response.status === 401) options.onUnauthorized?.(error);
    throw error;
  }

  async function request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
    const response = await send(method, path, request);
    if (!response.ok) return fail(response);
    return (await readBody(response)) as T;
  }

  /**
   * An AI action. With `onText`, asked as a stream (202: `delta` events with the answer's JSON text
   * as the model writes it, then one `result` or `error` event), and `onText` hears the text so far;
   * without, one JSON answer.
   */
  async function aiAction<T>(path: string, body?: unknown, onText?: (text: string) => void): Promise<T> {
    if (!onText) return request<T>("POST", path, { body });
    const response = await send("POST", path, { body, accept: "text/event-stream" });
    if (!response.ok) return fail(response);
    if (!response.body || !response.headers.get("Content-Type")?.includes("text/event-stream"))
      return (await readBody(response)) as T;
    let text = "";
    for await (const message of readEventStream(response.body)) {
      const data = JSON.parse(message.data) as unknown;
      if (message.event === "delta") {
        text += (data as { text: string }).text;
        onText(text);
      } else if (message.event === "result") {
        return data as T;
      } else if (message.event === "error") {
        const status = (data as Problem).status ?? 502;
        throw new ApiError(status, describeProblem(data, status), data as Problem);
      }
    }
    throw new ApiError(502, "The AI answer stopped before it was complete. Try again.");
  }

  return {
    request,

    /** Opens the live event stream of a task (`text/event-stream`); the caller reads the body. */
    async openEventStream(taskId: string, after: number, signal: AbortSignal): Promise<Response> {
      const response = await send("GET", `/api/tasks/${id(taskId)}/events${query({ after })}`, {
        accept: "text/event-stream",
        signal,
      });
      if (!response.ok) return fail(response);
      return response;
    },

    /** Fetches a file (a download: CSV, Markdown, HTML, JSON) with the token, as bytes. */
    async download(path: string): Promise<Download> {
      const response = await send("GET", path, { accept: "*/*" });
      if (!response.ok) return fail(response);
      return {
        blob: await response.blob(),
        filename: fileNameFrom(response.headers.get("Content-Disposition")),
      };
    },

    /** `GET /health` answers 503 with the same document when a check fails; both are answers here. */
    async health(): Promise<Health> {
      const response = await send("GET", "/health");
      if (!response.ok && response.status !== 503) return fail(response);
      return (await readBody(response)) as Health;
    },

    listProjects: () => request<{ projects: Project[] }>("GET", "/api/projects").then((r) => r.projects),
    createProject: (body: ProjectCreate) => request<Project>("POST", "/api/projects", { body }),
    updateProject: (projectId: string, body: ProjectUpdate) =>
      request<Project>("PATCH", `/api/projects/${id(projectId)}`, { body }),
    /** Creates a project from an export's document (what `GET /api/projects/:id/export` wrote). */
    importProject: (document: unknown) =>
      request<ProjectImported>("POST", "/api/projects/import", { body: document }),
    traceability: (projectId: string, signal?: AbortSignal) =>
      request<TraceabilityMatrix>(
        "GET",
        `/api/projects/${id(projectId)}/traceability`,
        signal ? { signal } : {},
      ),

    listStories: (projectId: string) =>
      request<{ stories: Story[] }>("GET", `/api/projects/${id(projectId)}/stories`).then((r) => r.stories),
    getStory: (storyId: string) => request<Story>("GET", `/api/stories/${id(storyId)}`),
    createStory: (projectId: string, body: StoryCreate) =>
      request<Story>("POST", `/api/projects/${id(projectId)}/stories`, { body }),
    updateStory: (storyId: string, body: StoryUpdate) =>
      request<Story>("PATCH", `/api/stories/${id(storyId)}`, { body }),
    deleteStory: (storyId: string, cascade = false) =>
      request<null>("DELETE", `/api/stories/${id(storyId)}${cascade ? "?cascade=true" : ""}`),
    invest: (storyId: string) => request<InvestAnalysis>("GET", `/api/stories/${id(storyId)}/invest`),
    aiStatus: () => request<AiStatus>("GET", "/api/ai"),
    projectUsage: (projectId: string) => request<ProjectUsage>("GET", `/api/projects/${id(projectId)}/usage`),
    aiDraftStory: (
      projectId: string,
      idea: string,
      parentId: string | null,
      onText?: (text: string) => void,
    ) =>
      aiAction<AiAnswer<{ draft: StoryDraft }>>(
        `/api/projects/${id(projectId)}/ai/draft-story`,
        { idea, parentId },
        onText,
      ),
    aiDraftTests: (storyId: string, onText?: (text: string) => void) =>
      aiAction<AiAnswer<{ tests: TestDraft[] }>>(
        `/api/stories/${id(storyId)}/ai/acceptance-tests`,
        undefined,
        onText,
      ),
    aiReview: (storyId: string, onText?: (text: string) => void) =>
      aiAction<AiAnswer<{ analysis: InvestAnalysis }>>(
        `/api/stories/${id(storyId)}/ai/invest`,
        undefined,
        onText,
      ),
    aiSplit: (storyId: string, onText?: (text: string) => void) =>
      aiAction<AiAnswer<{ children: { story: StoryDraft; tests: TestDraft[] }[] }>>(
        `/api/stories/${id(storyId)}/ai/split`,
        undefined,
        onText,
      ),
    aiImproveStep: (storyId: string, kind: "given" | "when" | "then", step: string) =>
      aiAction<AiAnswer<{ step: string }>>(`/api/stories/${id(storyId)}/ai/improve-step`, { kind, step }),

    createAcceptanceTest: (
      storyId: string,
      body: Pick<AcceptanceTest, "title" | "given" | "when" | "then"> &
        Partial<Pick<AcceptanceTest, "status">>,
    ) => request<AcceptanceTest>("POST", `/api/stories/${id(storyId)}/acceptance-tests`, { body }),
    updateAcceptanceTest: (
      testId: string,
      body: Partial<Pick<AcceptanceTest, "title" | "given" | "when" | "then" | "status" | "version">>,
    ) => request<AcceptanceTest>("PATCH", `/api/acceptance-tests/${id(testId)}`, { body }),
    deleteAcceptanceTest: (testId: string) => request<null>("DELETE", `/api/acceptance-tests/${id(testId)}`),

    addDependency: (storyId: string, dependsOnId: string) =>
      request<unknown>("POST", `/api/stories/${id(storyId)}/dependencies`, { body: { dependsOnId } }),
    removeDependency: (storyId: string, dependsOnId: string) =>
      request<null>("DELETE", `/api/stories/${id(storyId)}/dependencies/${id(dependsOnId)}`),

    generateCode: (
      storyId: string,
      body: { agent?: string; instructions?: string; force?: boolean },
      idempotencyKey: string,
    ) =>
      request<CodeGeneration>("POST", `/api/stories/${id(storyId)}/code-generations`, {
        body,
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    listTasks: (filter: { projectId?: string; storyId?: string; status?: TaskStatus; limit?: number }) =>
      request<{ tasks: Task[] }>("GET", `/api/tasks${query(filter)}`).then((r) => r.tasks),
    getTask: (taskId: string) => request<Task>("GET", `/api/tasks/${id(taskId)}`),
    cancelTask: (taskId: string) => request<Task>("POST", `/api/tasks/${id(taskId)}/cancel`),
    retryTask: (taskId: string, body: { agent?: string; instructions?: string } = {}) =>
      request<Task>("POST", `/api/tasks/${id(taskId)}/retry`, { body }),
    taskEvents: (taskId: string, after: number, signal?: AbortSignal) =>
      request<EventsPage>(
        "GET",
        `/api/tasks/${id(taskId)}/events${query({ after })}`,
        signal ? { signal } : {},
      ),
    pullRequest: (projectId: string, number: number) =>
      request<PullRequestView>("GET", `/api/projects/${id(projectId)}/pulls/${number}`),
    pullRequestFiles: (projectId: string, number: number) =>
      request<{ files: PullRequestFile[]; truncated: boolean }>(
        "GET",
        `/api/projects/${id(projectId)}/pulls/${number}/files`,
      ),
    mergePullRequest: (projectId: string, number: number, expectedHeadSha?: string) =>
      request<PullRequestEnded>("POST", `/api/projects/${id(projectId)}/pulls/${number}/merge`, {
        body: expectedHeadSha ? { expectedHeadSha } : {},
      }),
    closePullRequest: (projectId: string, number: number) =>
      request<PullRequestEnded>("POST", `/api/projects/${id(projectId)}/pulls/${number}/close`),
    requestChanges: (
      projectId: string,
      number: number,
      body: { feedback: string; instructions?: string; agent?: string },
    ) => request<Task>("POST", `/api/projects/${id(projectId)}/pulls/${number}/rounds`, { body }),
    queue: () => request<Queue>("GET", "/api/queue"),
    agents: () => request<AgentList>("GET", "/api/agents"),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
