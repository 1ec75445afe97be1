/**
 * @module edge-code: the source of the small functions CloudFront runs in front of AIPM,
 * kept as strings so the tests can run exactly what is deployed.
 */

/**
 * A CloudFront Function (cloudfront-js-2.0, viewer request) on the web behaviour: a path whose
 * last segment has no extension is a client-side route, so it is served index.html. Unlike a 404
 * custom error response, this leaves the API's own 404s alone.
 */
export const spaRewriteCode = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
`;

/**
 * The header the viewer's `Authorization` travels in from CloudFront to the API. Origin access
 * control signs each request to the Function URL in the `Authorization` header, overwriting the
 * viewer's bearer token, so the token is moved here first.
 */
export const forwardedAuthorizationHeader = "x-aipm-authorization";

/**
 * A CloudFront Function (cloudfront-js-2.0, viewer request) on the API behaviours: copies the
 * viewer's `Authorization` to {@link forwardedAuthorizationHeader} before origin access control
 * overwrites it, and drops a {@link forwardedAuthorizationHeader} the viewer sent itself, so the
 * API only ever reads what arrived in `Authorization`. It runs for every API request, at a
 * fraction of Lambda@Edge's price, and cannot see bodies, which is why hashing them is left to
 * {@link originRequestHandlerCode}.
 */
export const apiViewerRequestCode = `function handler(event) {
  var request = event.request;
  var authorization = request.headers.authorization;
  if (authorization) {
    request.headers["${forwardedAuthorizationHeader}"] = { value: authorization.value };
  } else {
    delete request.headers["${forwardedAuthorizationHeader}"];
  }
  return request;
}
`;

/**
 * A Lambda@Edge origin-request handler (index.mjs, body included) on the API behaviour that takes
 * writes: a request with a body gets its SHA-256 in `x-amz-content-sha256`, because Lambda does
 * not accept unsigned payloads for origin access control's SigV4 signature and neither browsers
 * nor GitHub's webhook deliveries send it. The body is included up to 1 MB; a larger one is
 * refused with 413.
 *
 * CloudFront picks a behaviour by path alone, never by method, so this also runs for the GET,
 * HEAD and OPTIONS requests of a path that takes writes; for those it returns at once (an
 * invocation is still billed). Paths that only read (the SSE stream, /health) have behaviours
 * without it (see components/web-hosting.ts).
 */
export const originRequestHandlerCode = `import { createHash } from "node:crypto";

const withoutBody = new Set(["GET", "HEAD", "OPTIONS"]);

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (withoutBody.has(request.method)) return request;
  const body = request.body ?? { data: "", encoding: "text" };
  if (body.inputTruncated) {
    return {
      status: "413",
      statusDescription: "Payload Too Large",
      headers: { "content-type": [{ key: "Content-Type", value: "application/problem+json" }] },
      body: JSON.stringify({
        type: "about:blank",
        title: "Payload Too Large",
        status: 413,
        detail: "Request bodies are limited to 1 MB.",
      }),
    };
  }
  const bytes = Buffer.from(body.data ?? "", body.encoding === "base64" ? "base64" : "utf8");
  const hash = createHash("sha256").update(bytes).digest("hex");
  request.headers["x-amz-content-sha256"] = [{ key: "x-amz-content-sha256", value: hash }];
  return request;
};
`;
