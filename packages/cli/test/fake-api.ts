/**
 * @module fake-api: a local HTTP server answering the AIPM API routes the watching commands read
 * (`/health`, `/api/queue`, `/api/tasks`, a task's events as pages or as a server-sent stream) with
 * whatever data a test gives it, hostile text included.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeApi {
  url: string;
  close(): Promise<void>;
}

export interface FakeApiData {
  health: Record<string, unknown>;
  queue: Record<string, unknown>;
  /** Tasks by status, for `GET /api/tasks?status=`. */
  tasks: Record<string, Record<string, unknown>[]>;
  /** Each task's events, and the status it ends with. */
  events: Record<string, { events: Record<string, unknown>[]; status: string }>;
  /** Any other route answers 404 with this problem detail. */
  notFoundDetail: string;
}

/** @example const api = await startFakeApi({ ...data }); await api.close(); */
export async function startFakeApi(data: FakeApiData): Promise<FakeApi> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const events = /^\/api\/tasks\/([^/]+)\/events$/.exec(url.pathname);
    if (url.pathname === "/health") return json(200, data.health);
    if (url.pathname === "/api/queue") return json(200, data.queue);
    if (url.pathname === "/api/tasks")
      return json(200, { tasks: data.tasks[url.searchParams.get("status") ?? ""] ?? [] });
    const task = events ? data.events[decodeURIComponent(events[1] ?? "")] : undefined;
    if (task) {
      const after = Number(url.searchParams.get("after") ?? 0);
      const page = task.events.filter((event) => Number(event.seq) > after);
      if (req.headers.accept === "text/event-stream") {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        for (const event of page) res.write(`event: task-event\ndata: ${JSON.stringify(event)}\n\n`);
        res.end(`event: end\ndata: ${JSON.stringify({ status: task.status })}\n\n`);
        return;
      }
      return json(200, {
        events: page,
        taskStatus: task.status,
        nextAfter: Math.max(after, ...page.map((event) => Number(event.seq))),
      });
    }
    json(404, { title: "Not Found", status: 404, detail: data.notFoundDetail });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
