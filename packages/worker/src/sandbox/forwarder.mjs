/**
 * @module sandbox/forwarder: runs first inside an agent's sandbox, whose network namespace has only
 * its own loopback. It opens the addresses the agent expects on that loopback and carries each
 * connection through the worker's egress proxy (a UNIX socket bound into the sandbox), then runs the
 * agent. Plain JavaScript on node built-ins only: it runs with the system `node`, before anything
 * else is there.
 *
 * Usage: node forwarder.mjs --socket <proxy socket> [--tunnel HOST:PORT]... [--proxy HOST:PORT] -- <command> [args...]
 *   --tunnel HOST:PORT  listen on HOST:PORT; each connection is a CONNECT HOST:PORT through the proxy
 *                       (a model gateway on 127.0.0.1 the agent is configured to call directly)
 *   --proxy HOST:PORT   listen on HOST:PORT; each connection is piped raw to the proxy, for clients
 *                       given HTTP(S)_PROXY=http://HOST:PORT
 * Exits with the command's exit code (128+signal when killed); 125 when its own setup fails (bad
 * arguments, no proxy socket, an address it cannot listen on), 127/126 when the command is missing or
 * cannot be run.
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { constants } from "node:os";

const USAGE =
  "usage: node forwarder.mjs --socket <proxy socket> [--tunnel HOST:PORT]... [--proxy HOST:PORT] -- <command> [args...]";

/** Our own failures exit 125, like env(1) and timeout(1), so they never pass for the command's. */
function fail(message) {
  process.stderr.write(`aipm forwarder: ${message}\n`);
  process.exit(125);
}

/** `HOST:PORT` or `[V6]:PORT` → { host, port, authority }. */
function parseAddress(text) {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text ?? "");
  const port = Number(match?.[3]);
  if (!match || !(port >= 1 && port <= 65535)) fail(`not a HOST:PORT address: ${text}\n${USAGE}`);
  return { host: match[1] ?? match[2], port, authority: text };
}

function parseArgs(argv) {
  const options = { socket: undefined, tunnels: [], proxy: undefined, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      options.command = argv.slice(i + 1);
      break;
    }
    const value = argv[++i];
    if (value === undefined) fail(`${arg} needs a value\n${USAGE}`);
    if (arg === "--socket") options.socket = value;
    else if (arg === "--tunnel") options.tunnels.push(parseAddress(value));
    else if (arg === "--proxy") options.proxy = parseAddress(value);
    else fail(`unknown option ${arg}\n${USAGE}`);
  }
  if (!options.socket) fail(`--socket is required\n${USAGE}`);
  if (options.command.length === 0) fail(`no command after --\n${USAGE}`);
  return options;
}

/** Pipes two sockets both ways; when either fails, both go. */
function join(a, b) {
  const destroy = () => {
    a.destroy();
    b.destroy();
  };
  a.on("error", destroy);
  b.on("error", destroy);
  a.pipe(b);
  b.pipe(a);
}

/** A connection to `authority` through the proxy: CONNECT, wait for its 200, then the raw bytes. */
function tunnel(client, socketPath, authority) {
  const upstream = createConnection({ path: socketPath, allowHalfOpen: true });
  const abandon = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", abandon);
  upstream.on("error", abandon);
  upstream.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  let head = Buffer.alloc(0);
  let opened = false;
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) {
      if (head.length > 16384) abandon();
      return;
    }
    upstream.off("data", onData);
    upstream.pause();
    // Only a 200 opens the tunnel; the proxy's refusal explains itself in the worker's report.
    if (!/^HTTP\/1\.[01] 200[ \r]/.test(head.toString("latin1", 0, end + 2))) return abandon();
    opened = true;
    const rest = head.subarray(end + 4);
    if (rest.length > 0) client.write(rest);
    client.off("error", abandon);
    upstream.off("error", abandon);
    join(client, upstream);
  };
  upstream.on("data", onData);
  // Either side gone before the tunnel opens: nothing left to carry.
  upstream.once("end", () => {
    if (!opened) abandon();
  });
  client.once("close", () => {
    if (!opened) abandon();
  });
}

/** Listens on `address`; resolves once bound, exits 125 when it cannot be. */
function listen(address, onConnection) {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  return new Promise((resolve) => {
    server.once("error", (error) => fail(`cannot listen on ${address.authority}: ${error.message}`));
    server.listen({ host: address.host, port: address.port }, () => resolve(server));
  });
}

const options = parseArgs(process.argv.slice(2));
const stat = statSync(options.socket, { throwIfNoEntry: false });
if (!stat?.isSocket()) fail(`no egress proxy socket at ${options.socket}`);

const servers = await Promise.all([
  ...options.tunnels.map((address) =>
    listen(address, (client) => tunnel(client, options.socket, address.authority)),
  ),
  ...(options.proxy
    ? [
        listen(options.proxy, (client) =>
          join(client, createConnection({ path: options.socket, allowHalfOpen: true })),
        ),
      ]
    : []),
]);

const [command, ...args] = options.command;
const child = spawn(command, args, { stdio: "inherit", env: process.env });
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.once("error", (error) => {
  // As env(1) does: 127 when the command is not there, 126 when it cannot be run.
  process.stderr.write(`aipm forwarder: cannot run ${command}: ${error.message}\n`);
  process.exit(error.code === "ENOENT" ? 127 : 126);
});
child.once("exit", (code, signal) => {
  for (const server of servers) server.close();
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
