/**
 * @module sandbox/egress-proxy: the only way out of an agent's sandbox. An HTTP proxy on a UNIX
 * socket (the sandbox has a network namespace of its own, so a socket file bound into it is all it
 * can reach) that lets through exactly the configured host:port pairs, by `CONNECT` or by
 * absolute-form plain HTTP, and refuses everything else: the worker's other loopback services, the
 * cloud metadata address, any host the operator did not list in AIPM_AGENT_EGRESS. Link-local
 * addresses (169.254.0.0/16, fe80::/10: the instance metadata service, the Amazon DNS and time
 * servers) and EC2's IPv6 metadata address fd00:ec2::254 are refused even when listed, and so is a
 * listed host name that resolves to one.
 */

import { lookup as dnsLookup } from "node:dns";
import { chmod, rm } from "node:fs/promises";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { connect, isIP, type LookupFunction, type Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface EgressTarget {
  host: string;
  port: number;
}

export interface EgressProxy {
  socketPath: string;
  /** What the agent tried to reach and was refused (the first {@link MAX_REFUSALS}), for the run's report. */
  refused: (EgressTarget & { at: string })[];
  /** Stops listening, cuts every open connection and removes the socket file. */
  close(): Promise<void>;
}

/** An agent looping on a refused host must not grow the worker's memory without bound. */
const MAX_REFUSALS = 1000;

/** Headers that belong to one hop, never forwarded (RFC 9110 §7.6.1, plus the proxy's own). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Lower-cased, IPv6 brackets stripped: the one form both the allow list and requests are compared in. */
function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
}

/**
 * True for an address no agent may reach whatever the configuration: link-local IPv4
 * (169.254.0.0/16, which holds the instance metadata service) and IPv6 (fe80::/10), EC2's IPv6
 * metadata address (fd00:ec2::254), and IPv4-mapped forms of them. Host names are false here:
 * they are checked once resolved (see {@link guardedLookup}).
 *
 * @example isForbiddenAddress("169.254.169.254") // true
 */
export function isForbiddenAddress(host: string): boolean {
  const address = normalizeHost(host);
  if (isIP(address) === 4) return address.startsWith("169.254.");
  if (isIP(address) !== 6) return false;
  const mapped = /^(?:0{0,4}:){0,5}(?:ffff:)(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (mapped) return isForbiddenAddress(mapped);
  const groups = expandV6(address);
  if (!groups) return true;
  if (groups.slice(0, 5).every((group) => group === "0") && groups[5] === "ffff") {
    const [high = 0, low = 0] = groups.slice(6).map((group) => Number.parseInt(group, 16));
    return isForbiddenAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const first = Number.parseInt(groups[0] ?? "0", 16);
  if ((first & 0xffc0) === 0xfe80) return true;
  return groups.join(":") === "fd00:ec2:0:0:0:0:0:254";
}

/** The eight groups of an IPv6 address, without leading zeros; null when it cannot be read. */
function expandV6(address: string): string[] | null {
  const [head = "", tail, ...rest] = address.split("::");
  if (rest.length > 0 || address.includes(".")) return null;
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}

/**
 * `dns.lookup`, failing for a name that resolves to a forbidden address, so an allowed name that
 * points at the metadata service (or is rebound to it) connects nowhere.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0);
    const usable = addresses.filter((entry) => !isForbiddenAddress(entry.address));
    if (usable.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to a link-local or metadata address`), {
        code: "EACCES",
      });
      return callback(refused, "", 0);
    }
    if (options.all) return callback(null, usable);
    const first = usable[0];
    return callback(null, first?.address ?? "", first?.family ?? 4);
  });
};

/** `host:port` or `[v6]:port` as a CONNECT target; null when malformed. */
function parseAuthority(authority: string): EgressTarget | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/?#@[\]]+):(\d{1,5})$/.exec(authority);
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port >= 1 && port <= 65535)) return null;
  return { host: normalizeHost(match[1]), port };
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  // Headers the Connection header names are hop-by-hop too.
  const named = String(headers.connection ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase());
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !named.includes(name)),
  );
}

/**
 * Starts the proxy on `socketPath` (which must not exist yet), letting through only `allow`.
 * Hosts are compared as written, never resolved: allowing `127.0.0.1` does not allow `localhost`.
 */
export async function startEgressProxy(options: {
  socketPath: string;
  allow: readonly EgressTarget[];
}): Promise<EgressProxy> {
  const allowed = new Set(options.allow.map((target) => `${normalizeHost(target.host)}:${target.port}`));
  const refused: EgressProxy["refused"] = [];
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };

  /** True when `target` may be reached; else records the refusal. */
  const permits = (target: EgressTarget): boolean => {
    if (!isForbiddenAddress(target.host) && allowed.has(`${target.host}:${target.port}`)) return true;
    if (refused.length < MAX_REFUSALS) refused.push({ ...target, at: new Date().toISOString() });
    return false;
  };
  const gate: Gate = { permits, track };
  // requestTimeout 0: a long streamed upload is legitimate; the sandbox's run timeout bounds it.
  const server = createServer({ requestTimeout: 0 }, (req, res) => forwardRequest(gate, req, res));
  server.on("connection", (socket: Socket) => track(socket));
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) =>
    tunnel(gate, req, client, head),
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(options.socketPath, 0o600);

  return {
    socketPath: options.socketPath,
    refused,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await rm(options.socketPath, { force: true });
    },
  };
}

/** What both kinds of request check and record through. */
interface Gate {
  /** True when `target` may be reached; else records the refusal. */
  permits(target: EgressTarget): boolean;
  /** Remembers an open connection, to be cut on close. */
  track(socket: Duplex): void;
}

function refusal(target: EgressTarget): string {
  if (isForbiddenAddress(target.host))
    return (
      `AIPM egress proxy: ${target.host}:${target.port} is not allowed from the agent's sandbox: ` +
      "a link-local or metadata address is never reachable, whatever AIPM_AGENT_EGRESS lists.\n"
    );
  return (
    `AIPM egress proxy: ${target.host}:${target.port} is not allowed from the agent's sandbox; ` +
    "list it in AIPM_AGENT_EGRESS (host:port) to allow it.\n"
  );
}

/** Forwards an absolute-form plain HTTP request to an allowed host. */
function forwardRequest(gate: Gate, req: IncomingMessage, res: ServerResponse): void {
  let url: URL | null = null;
  try {
    if (req.url?.startsWith("http://")) url = new URL(req.url);
  } catch {}
  if (!url) {
    res
      .writeHead(400, { "content-type": "text/plain" })
      .end("AIPM egress proxy: expected an absolute http:// URL or CONNECT.\n");
    return;
  }
  const target = { host: normalizeHost(url.hostname), port: Number(url.port || 80) };
  if (!gate.permits(target)) {
    res.writeHead(403, { "content-type": "text/plain" }).end(refusal(target));
    return;
  }
  // The request target, not the client's Host header, says where it goes (RFC 9112 §3.2.2).
  const headers = { ...withoutHopByHop(req.headers), host: url.host };
  const upstream = request(
    {
      host: target.host,
      port: target.port,
      method: req.method,
      path: url.pathname + url.search,
      headers,
      agent: false,
      lookup: guardedLookup,
    },
    (upstreamRes) => {
      res.writeHead(
        upstreamRes.statusCode ?? 502,
        upstreamRes.statusMessage,
        withoutHopByHop(upstreamRes.headers),
      );
      // Headers out now, and every chunk as it comes: server-sent events must not wait for a buffer.
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.once("error", () => res.destroy());
    },
  );
  upstream.once("socket", (socket) => {
    gate.track(socket);
    socket.setNoDelay(true);
  });
  upstream.once("error", (error) => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { "content-type": "text/plain" }).end(`AIPM egress proxy: ${error.message}\n`);
  });
  res.once("close", () => upstream.destroy());
  req.pipe(upstream);
}

/** Opens a `CONNECT` tunnel to an allowed host:port. */
function tunnel(gate: Gate, req: IncomingMessage, client: Duplex, head: Buffer): void {
  const reply = (status: string, body: string) =>
    client.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  client.on("error", () => client.destroy());
  const target = parseAuthority(req.url ?? "");
  if (!target) {
    reply("400 Bad Request", "AIPM egress proxy: CONNECT needs host:port.\n");
    return;
  }
  if (!gate.permits(target)) {
    reply("403 Forbidden", refusal(target));
    return;
  }
  const upstream = connect({ host: target.host, port: target.port, noDelay: true, lookup: guardedLookup });
  gate.track(upstream);
  let established = false;
  upstream.once("connect", () => {
    established = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once("error", (error) => {
    if (!established) reply("502 Bad Gateway", `AIPM egress proxy: ${error.message}\n`);
    else client.destroy();
  });
  client.once("close", () => upstream.destroy());
}
