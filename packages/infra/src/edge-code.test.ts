import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  apiViewerRequestCode,
  forwardedAuthorizationHeader,
  originRequestHandlerCode,
  spaRewriteCode,
} from "./edge-code.ts";

type FunctionHeaders = Record<string, { value: string }>;

/** Loads a CloudFront Function's source the way its runtime does: a script defining `handler`. */
function cloudFrontFunction<Event, Result>(code: string): (event: Event) => Result {
  return new Function(`${code}; return handler;`)() as (event: Event) => Result;
}

describe("the SPA rewrite (CloudFront Function)", () => {
  const handler = cloudFrontFunction<{ request: { uri: string } }, { uri: string }>(spaRewriteCode);
  const rewrite = (uri: string) => handler({ request: { uri } }).uri;

  it("serves index.html for client-side routes", () => {
    expect(rewrite("/")).toBe("/index.html");
    expect(rewrite("/projects/p1/stories/s2")).toBe("/index.html");
  });

  it("leaves files alone", () => {
    expect(rewrite("/assets/app-5XQ2ZK3A.js")).toBe("/assets/app-5XQ2ZK3A.js");
    expect(rewrite("/favicon.ico")).toBe("/favicon.ico");
  });
});

describe("the API viewer request (CloudFront Function)", () => {
  const handler = cloudFrontFunction<
    { request: { method: string; uri: string; headers: FunctionHeaders } },
    { headers: FunctionHeaders }
  >(apiViewerRequestCode);
  const headersAfter = (method: string, headers: FunctionHeaders) =>
    handler({ request: { method, uri: "/api/projects", headers } }).headers;

  it("moves the viewer's bearer token out of Authorization, which the signature overwrites", () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      const headers = headersAfter(method, { authorization: { value: "Bearer aipm_token_123" } });
      expect(headers[forwardedAuthorizationHeader]).toEqual({ value: "Bearer aipm_token_123" });
    }
  });

  it("drops an X-Aipm-Authorization the viewer sent itself, and passes anonymous requests on", () => {
    const spoofed = headersAfter("GET", { [forwardedAuthorizationHeader]: { value: "Bearer other" } });
    expect(spoofed).toEqual({});
    const anonymous = headersAfter("GET", { accept: { value: "text/event-stream" } });
    expect(anonymous).toEqual({ accept: { value: "text/event-stream" } });
  });

  it("keeps to what the cloudfront-js-2.0 runtime offers: no modules, no body", () => {
    expect(apiViewerRequestCode).not.toMatch(/\b(import|require)\b/);
    expect(apiViewerRequestCode).not.toContain(".body");
  });
});

describe("the API origin request (Lambda@Edge)", () => {
  /** Runs the deployed source in a real Node process, the way Lambda loads index.mjs. */
  function runHandler(requests: unknown[]): unknown[] {
    const dir = mkdtempSync(join(tmpdir(), "aipm-edge-"));
    writeFileSync(join(dir, "index.mjs"), originRequestHandlerCode);
    const script = `const { handler } = await import(${JSON.stringify(join(dir, "index.mjs"))});
const requests = JSON.parse(process.argv[1]);
const results = [];
for (const request of requests) results.push(await handler({ Records: [{ cf: { request } }] }));
console.log(JSON.stringify(results));`;
    const output = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", script, JSON.stringify(requests)],
      {
        encoding: "utf8",
      },
    );
    return JSON.parse(output) as unknown[];
  }

  const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

  it("adds the body's SHA-256 so the signed request reaches the Function URL", () => {
    const payload = JSON.stringify({ action: "closed", pull_request: { merged: true } });
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    const [json, base64, empty] = runHandler([
      { method: "POST", uri: "/api/webhooks/github", headers: {}, body: { data: payload, encoding: "text" } },
      {
        method: "PUT",
        uri: "/api/x",
        headers: {},
        body: { data: binary.toString("base64"), encoding: "base64" },
      },
      { method: "DELETE", uri: "/api/x", headers: {} },
    ]) as { headers: Record<string, [{ value: string }]> }[];
    expect(json?.headers["x-amz-content-sha256"]?.[0].value).toBe(sha256(payload));
    expect(base64?.headers["x-amz-content-sha256"]?.[0].value).toBe(sha256(binary));
    expect(empty?.headers["x-amz-content-sha256"]?.[0].value).toBe(sha256(""));
  });

  it("leaves the token to the CloudFront Function and returns reads untouched", () => {
    const forwarded = {
      [forwardedAuthorizationHeader]: [{ key: "X-Aipm-Authorization", value: "Bearer t" }],
    };
    const requests = ["GET", "HEAD", "OPTIONS"].map((method) => ({
      method,
      uri: "/api/projects",
      headers: forwarded,
    }));
    expect(runHandler(requests)).toEqual(requests);
    expect(originRequestHandlerCode).not.toContain("authorization");
  });

  it("refuses bodies CloudFront truncated at 1 MB with 413", () => {
    const [tooLarge] = runHandler([
      {
        method: "POST",
        uri: "/api/x",
        headers: {},
        body: { data: "x", encoding: "text", inputTruncated: true },
      },
    ]) as [{ status: string; body: string }];
    expect(tooLarge.status).toBe("413");
    expect(JSON.parse(tooLarge.body)).toMatchObject({ status: 413, title: "Payload Too Large" });
  });
});
