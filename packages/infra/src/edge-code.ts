/**
 * @module edge-code: the source of the two small functions CloudFront runs in front of AIPM,
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
 * viewer's bearer token, so the edge function moves the token here first.
 */
export const forwardedAuthorizationHeader = "x-aipm-authorization";

/**
 * A Lambda@Edge origin-request handler (index.mjs) on the API behaviours, preparing each request
 * for origin access control's SigV4 signature:
 * - the viewer's `Authorization` is copied to {@link forwardedAuthorizationHeader};
 * - a request with a body gets its SHA-256 in `x-amz-content-sha256`, because Lambda does not
 *   accept unsigned payloads and neither browsers nor GitHub's webhook deliveries send it. The
 *   body is included up to 1 MB; a larger one is refused with 413.
 */
export const originRequestHandlerCode = `import { createHash } from "node:crypto";

const withoutBody = new Set(["GET", "HEAD", "OPTIONS"]);

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const authorization = request.headers.authorization?.[0]?.value;
  if (authorization) {
    request.headers["${forwardedAuthorizationHeader}"] = [{ key: "X-Aipm-Authorization", value: authorization }];
  }
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
