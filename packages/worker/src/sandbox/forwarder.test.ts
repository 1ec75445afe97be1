import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EgressProxy, startEgressProxy } from "./egress-proxy.ts";

const forwarder = fileURLToPath(new URL("./forwarder.mjs", import.meta.url));

function startServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(`${name} says hi to ${req.url}`));
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    }),
  );
}

function run(
  command: string,
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

let dir: string;
let allowed: Awaited<ReturnType<typeof startServer>>;
let other: Awaited<ReturnType<typeof startServer>>;
let proxy: EgressProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aipm-forwarder-"));
  allowed = await startServer("allowed");
  other = await startServer("other");
  proxy = await startEgressProxy({
    socketPath: join(dir, "proxy.sock"),
    allow: [{ host: "127.0.0.1", port: allowed.port }],
  });
});
afterAll(async () => {
  await proxy.close();
  allowed.server.close();
  other.server.close();
  rmSync(dir, { recursive: true, force: true });
});

const forward = (args: string[], script: string) =>
  run(process.execPath, [
    forwarder,
    "--socket",
    proxy.socketPath,
    ...args,
    "--",
    process.execPath,
    "-e",
    script,
  ]);

describe("forwarder", () => {
  it("carries the sandbox's loopback to the allowed host:port and nowhere else", async () => {
    // Inside, the tunnel and the proxy port are the only listeners on a loopback of the sandbox's own.
    const script = `
      const net = require("node:net");
      const reach = (port) => new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => { socket.destroy(); resolve("open"); });
        socket.on("error", (error) => resolve(error.code));
      });
      (async () => {
        const tunnelled = await fetch("http://127.0.0.1:${allowed.port}/through-tunnel");
        console.log("tunnel:", tunnelled.status, await tunnelled.text());
        console.log("other port:", await reach(${other.port}));
        const metadata = await new Promise((resolve) => {
          const socket = net.connect(80, "169.254.169.254", () => resolve("open"));
          socket.on("error", (error) => resolve(error.code));
        });
        console.log("metadata:", metadata);
        const http = require("node:http");
        const viaProxy = (path) => new Promise((resolve, reject) =>
          http.get({ host: "127.0.0.1", port: 3128, path }, (res) => {
            let body = "";
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve(res.statusCode + " " + body.trim()));
          }).on("error", reject));
        console.log("proxy allowed:", await viaProxy("http://127.0.0.1:${allowed.port}/through-proxy"));
        console.log("proxy other:", await viaProxy("http://127.0.0.1:${other.port}/"));
        process.exit(3);
      })();
    `;
    const { done } = run("bwrap", [
      ...["--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--uid", "1000", "--gid", "1000"],
      ...["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--bind", dir, dir],
      ...[process.execPath, forwarder, "--socket", proxy.socketPath],
      ...["--tunnel", `127.0.0.1:${allowed.port}`, "--proxy", "127.0.0.1:3128"],
      ...["--", process.execPath, "-e", script],
    ]);
    const { code, stdout, stderr } = await done;
    expect(stderr).toBe("");
    expect(stdout.trim().split("\n")).toEqual([
      `tunnel: 200 allowed says hi to /through-tunnel`,
      "other port: ECONNREFUSED",
      "metadata: ENETUNREACH",
      "proxy allowed: 200 allowed says hi to /through-proxy",
      `proxy other: 403 AIPM egress proxy: 127.0.0.1:${other.port} is not allowed from the agent's sandbox; list it in AIPM_AGENT_EGRESS (host:port) to allow it.`,
    ]);
    expect(code).toBe(3);
    expect(proxy.refused.map(({ host, port }) => `${host}:${port}`)).toContain(`127.0.0.1:${other.port}`);
  });

  it("closes a tunnelled connection the proxy refuses", async () => {
    // Outside a sandbox the tunnel needs an address of its own: 127.0.0.2 is loopback too on Linux.
    const script = `
      // A refused tunnel may end in a reset when the request was already sent: closed all the same.
      require("node:net").connect(${allowed.port}, "127.0.0.2")
        .on("data", (data) => console.log("data", String(data)))
        .on("error", () => {})
        .on("close", () => console.log("closed"))
        .end("GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
    `;
    const { code, stdout } = await forward(["--tunnel", `127.0.0.2:${allowed.port}`], script).done;
    expect(stdout).toBe("closed\n");
    expect(code).toBe(0);
    expect(proxy.refused.map(({ host, port }) => `${host}:${port}`)).toContain(`127.0.0.2:${allowed.port}`);
  });
});

describe("forwarder: the command it runs", () => {
  it("exits with the command's code, or 128+signal", async () => {
    expect((await forward([], "process.exit(7)").done).code).toBe(7);
    expect((await forward([], "process.kill(process.pid, 'SIGTERM')").done).code).toBe(143);
  });

  it("passes SIGTERM on to the command", async () => {
    const { child, done } = forward(
      [],
      `process.on("SIGTERM", () => { console.log("stopping"); process.exit(4); }); console.log("ready"); setInterval(() => {}, 1000);`,
    );
    child.stdout?.once("data", () => child.kill("SIGTERM"));
    const { code, stdout } = await done;
    expect(stdout).toBe("ready\nstopping\n");
    expect(code).toBe(4);
  });

  it("exits 125 without running the command when it cannot listen", async () => {
    const { code, stdout, stderr } = await forward(
      ["--tunnel", `127.0.0.1:${allowed.port}`],
      `console.log("ran")`,
    ).done;
    expect(code).toBe(125);
    expect(stdout).toBe("");
    expect(stderr).toContain(`cannot listen on 127.0.0.1:${allowed.port}`);
    expect(stderr).toContain("EADDRINUSE");
  });

  it("exits 125 on bad arguments and a missing socket, 127 on a missing command", async () => {
    const bad = await run(process.execPath, [
      forwarder,
      "--socket",
      proxy.socketPath,
      "--tunnel",
      "nowhere",
      "--",
      "true",
    ]).done;
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain("not a HOST:PORT address: nowhere");
    const missing = await run(process.execPath, [
      forwarder,
      "--socket",
      join(dir, "absent.sock"),
      "--",
      "true",
    ]).done;
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain("no egress proxy socket");
    const noCommand = await run(process.execPath, [
      forwarder,
      "--socket",
      proxy.socketPath,
      "--",
      "/nonexistent/agent",
    ]).done;
    expect(noCommand.code).toBe(127);
  });
});
