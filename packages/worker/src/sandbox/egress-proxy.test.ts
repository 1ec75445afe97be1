import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EgressProxy, startEgressProxy } from "./egress-proxy.ts";

/** A server that answers, echoes, and streams server-sent events one at a time, on the test's word. */
function startOrigin(name: string): Promise<{ server: Server; port: number; release: () => void }> {
  let release = () => {};
  const server = createServer((req, res) => {
    if (req.url === "/sse") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
      // The second event only once the client saw the first: a buffering proxy would hang here.
      release = () => res.end("data: second\n\n");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () =>
      res.end(`${name} ${req.method} ${req.url} host=${req.headers.host} body=${Buffer.concat(chunks)}`),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        server,
        port: typeof address === "object" && address ? address.port : 0,
        release: () => release(),
      });
    }),
  );
}

/** Sends `CONNECT authority` on the proxy socket; resolves with the response head and the socket. */
function connectThrough(
  socketPath: string,
  authority: string,
): Promise<{ head: string; socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = Buffer.alloc(0);
    socket.on("error", reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      socket.pause();
      resolve({ head: data.subarray(0, end).toString(), socket, rest: data.subarray(end + 4) });
    };
    socket.on("data", onData);
  });
}

function readAll(socket: Socket, first: Buffer = Buffer.alloc(0)): Promise<string> {
  return new Promise((resolve) => {
    const chunks = [first];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString()));
    socket.resume();
  });
}

/** A plain HTTP request sent to the proxy socket, `path` as written (absolute-form or not). */
function viaProxy(
  socketPath: string,
  path: string,
  options: { method?: string; body?: string; onResponse?: (res: IncomingMessage) => void } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: options.method ?? "GET", agent: false }, (res) => {
      options.onResponse?.(res);
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

let dir: string;
let allowedOrigin: Awaited<ReturnType<typeof startOrigin>>;
let otherOrigin: Awaited<ReturnType<typeof startOrigin>>;
let proxy: EgressProxy;

beforeAll(async () => {
  allowedOrigin = await startOrigin("allowed");
  otherOrigin = await startOrigin("other");
});
afterAll(() => {
  allowedOrigin.server.close();
  otherOrigin.server.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "aipm-egress-"));
  proxy = await startEgressProxy({
    socketPath: join(dir, "proxy.sock"),
    allow: [
      { host: "127.0.0.1", port: allowedOrigin.port },
      { host: "[::1]", port: 443 },
    ],
  });
});
afterEach(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("startEgressProxy", () => {
  it("listens on a socket only its owner may use", () => {
    expect(statSync(proxy.socketPath).isSocket()).toBe(true);
    expect(statSync(proxy.socketPath).mode & 0o777).toBe(0o600);
  });

  it("tunnels CONNECT to an allowed host:port", async () => {
    const { head, socket, rest } = await connectThrough(proxy.socketPath, `127.0.0.1:${allowedOrigin.port}`);
    expect(head).toBe("HTTP/1.1 200 Connection Established");
    socket.write(`GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const response = await readAll(socket, rest);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain("allowed GET /hello");
    expect(proxy.refused).toEqual([]);
  });

  it("forwards absolute-form HTTP to an allowed host:port, bodies both ways", async () => {
    const url = `http://127.0.0.1:${allowedOrigin.port}/echo?x=1`;
    const response = await viaProxy(proxy.socketPath, url, { method: "POST", body: "ping" });
    expect(response).toEqual({
      status: 200,
      body: `allowed POST /echo?x=1 host=127.0.0.1:${allowedOrigin.port} body=ping`,
    });
  });

  it("streams server-sent events as they come", async () => {
    const events: string[] = [];
    const response = await viaProxy(proxy.socketPath, `http://127.0.0.1:${allowedOrigin.port}/sse`, {
      onResponse: (res) =>
        res.on("data", (chunk: Buffer) => {
          events.push(chunk.toString());
          if (events.length === 1) allowedOrigin.release();
        }),
    });
    expect(response.status).toBe(200);
    expect(events).toEqual(["data: first\n\n", "data: second\n\n"]);
  });
});

describe("startEgressProxy: refusals and closing", () => {
  it("refuses every other host:port, by CONNECT and by plain HTTP, and records it", async () => {
    const before = Date.now();
    for (const authority of [
      `127.0.0.1:${otherOrigin.port}`,
      `localhost:${allowedOrigin.port}`,
      "169.254.169.254:80",
    ]) {
      const { head, socket, rest } = await connectThrough(proxy.socketPath, authority);
      expect(head).toMatch(/^HTTP\/1\.1 403 Forbidden/);
      const body = await readAll(socket, rest);
      expect(body).toContain(`${authority} is not allowed`);
      expect(body).toContain("AIPM_AGENT_EGRESS");
    }
    const plain = await viaProxy(proxy.socketPath, "http://169.254.169.254/latest/meta-data/");
    expect(plain.status).toBe(403);
    expect(plain.body).toContain("169.254.169.254:80 is not allowed");

    expect(proxy.refused.map(({ host, port }) => `${host}:${port}`)).toEqual([
      `127.0.0.1:${otherOrigin.port}`,
      `localhost:${allowedOrigin.port}`,
      "169.254.169.254:80",
      "169.254.169.254:80",
    ]);
    for (const { at } of proxy.refused) expect(Date.parse(at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("compares hosts case-insensitively and IPv6 without brackets, ports exactly", async () => {
    const { head } = await connectThrough(proxy.socketPath, "[::1]:444");
    expect(head).toMatch(/ 403 /);
    // Allowed, though nothing listens there: the refusal is the upstream's, not the policy's.
    const allowed = await connectThrough(proxy.socketPath, "[::1]:443");
    expect(allowed.head).toMatch(/^HTTP\/1\.1 502 /);
    expect(proxy.refused.map(({ host, port }) => `${host}:${port}`)).toEqual(["::1:444"]);
  });

  it("answers 400 to origin-form requests and malformed CONNECT targets", async () => {
    expect((await viaProxy(proxy.socketPath, "/latest/meta-data/")).status).toBe(400);
    for (const authority of ["127.0.0.1", `127.0.0.1:${allowedOrigin.port}/x`, "127.0.0.1:99999"]) {
      const { head } = await connectThrough(proxy.socketPath, authority);
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(proxy.refused).toEqual([]);
  });

  it("cuts open tunnels and removes its socket on close", async () => {
    const { socket } = await connectThrough(proxy.socketPath, `127.0.0.1:${allowedOrigin.port}`);
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.resume();
    await proxy.close();
    await closed;
    expect(statSync(proxy.socketPath, { throwIfNoEntry: false })).toBeUndefined();
  });
});
