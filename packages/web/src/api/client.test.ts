import { describe, expect, it, vi } from "vitest";
import { ApiError, createApiClient, fileNameFrom } from "./client.ts";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records each request and answers with the next response given. */
function fakeFetch(...responses: (Response | Error)[]) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body as string | undefined,
    });
    const next = responses.shift();
    if (!next) throw new Error("no response left");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const json = (body: unknown, status = 200, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });

describe("createApiClient", () => {
  it("sends the token as a bearer header, JSON bodies and encoded ids", async () => {
    const { fetch, sent } = fakeFetch(json({ id: "sty_1", version: 3 }));
    const api = createApiClient({ baseUrl: "https://aipm.example", token: () => "secret", fetch });
    await api.updateStory("sty/1", { version: 2, title: "New" });
    expect(sent[0]).toEqual({
      url: "https://aipm.example/api/stories/sty%2F1",
      method: "PATCH",
      headers: {
        Accept: "application/json",
        Authorization: "Bearer secret",
        "Content-Type": "application/json",
      },
      body: '{"version":2,"title":"New"}',
    });
  });

  it("sends no Authorization header without a token, and builds query strings from what is set", async () => {
    const { fetch, sent } = fakeFetch(json({ tasks: [] }));
    const api = createApiClient({ token: () => null, fetch });
    await api.listTasks({ projectId: "prj_1", status: undefined, limit: 5 });
    expect(sent[0]?.url).toBe("/api/tasks?projectId=prj_1&limit=5");
    expect(sent[0]?.headers.Authorization).toBeUndefined();
  });

  it("turns a problem document into an ApiError with a readable message", async () => {
    const problem = {
      type: "https://aipm.dev/problems/stale-version",
      title: "Conflict",
      status: 409,
      detail: "Story sty_1 is at version 3, not 2.",
    };
    const { fetch } = fakeFetch(json(problem, 409, "application/problem+json"));
    const api = createApiClient({ token: () => "t", fetch });
    const error = await api.updateStory("sty_1", { version: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, message: "Story sty_1 is at version 3, not 2.", problem });
    expect((error as ApiError).isConflict).toBe(true);
  });

  it("lists field errors under the detail", async () => {
    const { fetch } = fakeFetch(
      json(
        {
          title: "Bad Request",
          status: 400,
          detail: "The request body is not valid.",
          errors: [{ path: "title", message: "must not be empty" }],
        },
        400,
      ),
    );
    const api = createApiClient({ token: () => "t", fetch });
    await expect(api.createStory("prj_1", { title: "" })).rejects.toThrow(
      "The request body is not valid.\ntitle: must not be empty",
    );
  });

  it("tells the app when the token is refused", async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(
      json({ title: "Unauthorized", status: 401, detail: "The token is not valid." }, 401),
    );
    const api = createApiClient({ token: () => "old", fetch, onUnauthorized });
    await expect(api.listProjects()).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledWith(
      expect.objectContaining({ message: "The token is not valid." }),
    );
  });

  it("says the API cannot be reached when the request never gets an answer", async () => {
    const { fetch } = fakeFetch(new TypeError("Failed to fetch"));
    const api = createApiClient({ token: () => "t", fetch });
    await expect(api.listProjects()).rejects.toMatchObject({
      status: 0,
      message: expect.stringMatching(/cannot be reached/),
    });
  });

  it("explains an answer that is not a problem document", async () => {
    const { fetch } = fakeFetch(new Response("<html>Bad gateway</html>", { status: 502 }));
    const api = createApiClient({ token: () => "t", fetch });
    await expect(api.listProjects()).rejects.toThrow(
      "The server answered 502 without an explanation. Try again.",
    );
  });

  it("reads the health document on 503 too", async () => {
    const unhealthy = { status: "unhealthy", version: "1", commit: "abc", checks: {} };
    const { fetch } = fakeFetch(json(unhealthy, 503));
    expect(await createApiClient({ token: () => null, fetch }).health()).toEqual(unhealthy);
  });

  it("sends the Idempotency-Key with Generate Code & PR", async () => {
    const { fetch, sent } = fakeFetch(
      json({ task: {}, pullRequest: { number: 1, url: "u", branch: "b" } }, 202),
    );
    await createApiClient({ token: () => "t", fetch }).generateCode("sty_1", { agent: "scaffold" }, "key-1");
    expect(sent[0]).toMatchObject({
      method: "POST",
      url: "/api/stories/sty_1/code-generations",
      body: '{"agent":"scaffold"}',
      headers: { "Idempotency-Key": "key-1" },
    });
  });

  it("asks for an event stream with the token and the position to resume from", async () => {
    const { fetch, sent } = fakeFetch(new Response("", { headers: { "Content-Type": "text/event-stream" } }));
    const api = createApiClient({ token: () => "t", fetch });
    await api.openEventStream("tsk_1", 7, new AbortController().signal);
    expect(sent[0]).toMatchObject({
      url: "/api/tasks/tsk_1/events?after=7",
      headers: { Accept: "text/event-stream", Authorization: "Bearer t" },
    });
  });

  it("lets an abort through as it is", async () => {
    const controller = new AbortController();
    controller.abort();
    const abort = new DOMException("aborted", "AbortError");
    const { fetch } = fakeFetch(abort);
    const api = createApiClient({ token: () => "t", fetch });
    await expect(api.openEventStream("tsk_1", 0, controller.signal)).rejects.toBe(abort);
  });

  describe("AI actions", () => {
    const stream = (...blocks: string[]) =>
      new Response(
        new ReadableStream({
          start(controller) {
            for (const block of blocks) controller.enqueue(new TextEncoder().encode(block));
            controller.close();
          },
        }),
        { status: 202, headers: { "Content-Type": "text/event-stream" } },
      );
    const delta = (text: string) => `event: delta\ndata: ${JSON.stringify({ text })}\n\n`;

    it("asked with a listener, stream: the listener hears the text so far, the result answers", async () => {
      const answer = { tests: [{ title: "A" }], usage: { inputTokens: 1 } };
      const { fetch, sent } = fakeFetch(
        stream(
          delta('{"tests":[{"ti'),
          delta('tle":"A"}]}'),
          `event: result\ndata: ${JSON.stringify(answer)}\n\n`,
        ),
      );
      const heard: string[] = [];
      const api = createApiClient({ token: () => "t", fetch });
      await expect(api.aiDraftTests("sty_1", (text) => heard.push(text))).resolves.toEqual(answer);
      expect(sent[0]).toMatchObject({
        method: "POST",
        url: "/api/stories/sty_1/ai/acceptance-tests",
        headers: { Accept: "text/event-stream" },
      });
      expect(heard).toEqual(['{"tests":[{"ti', '{"tests":[{"title":"A"}]}']);
    });

    it("turns an error event into an ApiError with the problem's words", async () => {
      const problem = { title: "The model refused", status: 422, detail: "The model declined to answer." };
      const { fetch } = fakeFetch(stream(delta("{"), `event: error\ndata: ${JSON.stringify(problem)}\n\n`));
      const api = createApiClient({ token: () => "t", fetch });
      const error = await api.aiSplit("sty_1", () => {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 422, message: expect.stringContaining("declined") });
    });

    it("says so when the stream ends without a result", async () => {
      const { fetch } = fakeFetch(stream(delta("{")));
      const api = createApiClient({ token: () => "t", fetch });
      await expect(api.aiReview("sty_1", () => {})).rejects.toThrow(/stopped before it was complete/);
    });

    it("without a listener, asks for one JSON answer", async () => {
      const { fetch, sent } = fakeFetch(json({ step: "the page shows 3 rows", usage: {} }));
      const api = createApiClient({ token: () => "t", fetch });
      await expect(api.aiImproveStep("sty_1", "then", "it works")).resolves.toMatchObject({
        step: "the page shows 3 rows",
      });
      expect(sent[0]).toMatchObject({ headers: { Accept: "application/json" } });
      expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ kind: "then", step: "it works" });
    });
  });

  it("downloads a file with the token, naming it from Content-Disposition", async () => {
    const csv = new Response("storyId,testId\nsty_1,act_1\n", {
      headers: {
        "Content-Type": "text/csv",
        "Content-Disposition": 'attachment; filename="shop-matrix.csv"',
      },
    });
    const { fetch, sent } = fakeFetch(csv);
    const api = createApiClient({ token: () => "t", fetch });
    const file = await api.download("/api/projects/prj_1/traceability?format=csv");
    expect(sent[0]).toMatchObject({
      url: "/api/projects/prj_1/traceability?format=csv",
      method: "GET",
      headers: { Accept: "*/*", Authorization: "Bearer t" },
    });
    expect(file.filename).toBe("shop-matrix.csv");
    expect(await file.blob.text()).toBe("storyId,testId\nsty_1,act_1\n");
  });

  it("turns a refused download into an ApiError like any other call", async () => {
    const { fetch } = fakeFetch(json({ title: "Not Found", status: 404, detail: "No project prj_9." }, 404));
    const api = createApiClient({ token: () => "t", fetch });
    await expect(api.download("/api/projects/prj_9/export")).rejects.toMatchObject({
      status: 404,
      message: "No project prj_9.",
    });
  });

  it("posts a project export to import it", async () => {
    const { fetch, sent } = fakeFetch(json({ project: { id: "prj_2" } }, 201));
    const api = createApiClient({ token: () => "t", fetch });
    expect(await api.importProject({ format: "aipm.project-export" })).toEqual({ project: { id: "prj_2" } });
    expect(sent[0]).toMatchObject({
      url: "/api/projects/import",
      method: "POST",
      body: '{"format":"aipm.project-export"}',
    });
  });
});

describe("fileNameFrom", () => {
  it("reads filename* before filename, quoted or not, and nothing from a header without one", () => {
    expect(fileNameFrom("attachment; filename=plain.md")).toBe("plain.md");
    expect(fileNameFrom('attachment; filename="with space.csv"')).toBe("with space.csv");
    expect(fileNameFrom("attachment; filename=\"ascii.csv\"; filename*=UTF-8''M%C3%A4rz.csv")).toBe(
      "März.csv",
    );
    expect(fileNameFrom("attachment")).toBeNull();
    expect(fileNameFrom(null)).toBeNull();
  });

  it("keeps only the last part of a name with a path in it", () => {
    expect(fileNameFrom('attachment; filename="../../etc/passwd"')).toBe("passwd");
    expect(fileNameFrom("attachment; filename*=UTF-8''..%2F..%2Fx.json")).toBe("x.json");
    expect(fileNameFrom('attachment; filename="a\\\\b.txt"')).toBe("b.txt");
  });
});
