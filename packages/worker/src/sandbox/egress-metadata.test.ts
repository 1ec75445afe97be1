/**
 * The egress proxy never reaches the instance metadata service or any link-local address, even
 * when the configuration lists it: an agent on an EC2 worker must not read the instance role's
 * credentials.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EgressProxy, guardedLookup, isForbiddenAddress, startEgressProxy } from "./egress-proxy.ts";

const forbidden = [
  "169.254.169.254",
  "169.254.170.2",
  "169.254.0.1",
  "fd00:ec2::254",
  "[fd00:ec2::254]",
  "fd00:ec2:0:0:0:0:0:254",
  "fe80::1",
  "FEBF::1",
  "::ffff:169.254.169.254",
  "::ffff:a9fe:a9fe",
];
const permitted = [
  "127.0.0.1",
  "10.0.0.1",
  "169.255.0.1",
  "::1",
  "fd00:ec2::253",
  "fec0::1",
  "api.anthropic.com",
];

let dir: string;
let proxy: EgressProxy;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "aipm-egress-metadata-"));
  proxy = await startEgressProxy({
    socketPath: join(dir, "proxy.sock"),
    // An operator's mistake: the metadata endpoints listed as allowed.
    allow: [
      { host: "169.254.169.254", port: 80 },
      { host: "[fd00:ec2::254]", port: 80 },
      { host: "fe80::1", port: 443 },
      { host: "::ffff:169.254.169.254", port: 80 },
    ],
  });
});
afterEach(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

function connectHead(authority: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.socketPath);
    let data = "";
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString();
    });
    socket.on("close", () => resolve(data));
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

function plainGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: proxy.socketPath, path: url, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("isForbiddenAddress", () => {
  it.each(forbidden)("refuses %s", (host) => expect(isForbiddenAddress(host)).toBe(true));
  it.each(permitted)("leaves %s to the allow list", (host) => expect(isForbiddenAddress(host)).toBe(false));
});

describe("startEgressProxy: the metadata service", () => {
  it("refuses CONNECT to the IPv4 and IPv6 metadata addresses and link-local ones, though allowed", async () => {
    for (const authority of [
      "169.254.169.254:80",
      "[fd00:ec2::254]:80",
      "[fe80::1]:443",
      "[::ffff:169.254.169.254]:80",
    ]) {
      const response = await connectHead(authority);
      expect(response).toMatch(/^HTTP\/1\.1 403 Forbidden/);
      expect(response).toContain("link-local or metadata address");
    }
    expect(proxy.refused.map(({ host }) => host)).toEqual([
      "169.254.169.254",
      "fd00:ec2::254",
      "fe80::1",
      "::ffff:169.254.169.254",
    ]);
  });

  it("refuses plain HTTP to them, credentials path included", async () => {
    const ipv4 = await plainGet("http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    expect(ipv4.status).toBe(403);
    expect(ipv4.body).toContain("169.254.169.254:80 is not allowed");
    expect((await plainGet("http://[fd00:ec2::254]/latest/api/token")).status).toBe(403);
  });

  it("fails a host name whose addresses are all link-local, once resolved", async () => {
    // A numeric name resolves without DNS: 2852039166 is 169.254.169.254.
    const result = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup("2852039166", { family: 4 }, (error) => resolve(error)),
    );
    expect(result?.message).toContain("link-local or metadata address");
    const local = await new Promise<string>((resolve, reject) =>
      guardedLookup("127.0.0.1", {}, (error, address) => (error ? reject(error) : resolve(String(address)))),
    );
    expect(local).toBe("127.0.0.1");
  });
});
