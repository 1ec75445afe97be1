import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "../build-fixtures.ts";
import { apiViewerRequestCode, originRequestHandlerCode, spaRewriteCode } from "../edge-code.ts";
import { type MockDeployment, outputValue, startMockDeployment } from "../mock-deployment.ts";
import { immutableCacheControl } from "../web-assets.ts";

let deployment: MockDeployment;
let url: string;
const fixtures = writeBuildFixtures();
const functionUrl = "https://abcdefghij.lambda-url.us-east-1.on.aws/";
const distributionArn = "arn:aws:cloudfront::123456789012:distribution/EMOCK-aipm-dev-web-cdn";

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { WebHosting, managedPolicies } = await import("./web-hosting.ts");
  const web = new WebHosting("aipm-dev-web", {
    environment: "dev",
    assetsDir: fixtures.webAssetsDir,
    apiFunctionUrl: functionUrl,
    apiFunctionName: "aipm-dev-api-function-1a2b3c",
    permissionsBoundary: "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary",
  });
  expect(managedPolicies.cachingDisabled).toHaveLength(36);
  await deployment.settle();
  url = await outputValue(web.url);
});

const distribution = () => deployment.named("aipm-dev-web-cdn").inputs;

describe("WebHosting: the Lambda@Edge role", () => {
  it("is under the given permissions boundary", () => {
    expect(deployment.named("aipm-dev-web-edge-role").inputs.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/aipm-ci/aipm-dev-boundary",
    );
  });
});

describe("WebHosting: the bucket", () => {
  it("is private: every public access setting blocked, ACLs disabled, encrypted", () => {
    expect(deployment.named("aipm-dev-web-bucket").type).toBe("aws:s3/bucket:Bucket");
    const blocks = deployment.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(blocks.map((block) => block.inputs)).toEqual([
      {
        bucket: "aipm-dev-web-bucket-id",
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
    ]);
    expect(
      deployment.ofType("aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0]?.inputs.rule,
    ).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
    expect(
      deployment.ofType(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      )[0]?.inputs.rules,
    ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
  });

  it("lets only this distribution read objects", () => {
    const policy = JSON.parse(deployment.ofType("aws:s3/bucketPolicy:BucketPolicy")[0]?.inputs.policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "CloudFrontReadsObjects",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: ["s3:GetObject"],
        Resource: ["arn:aws:s3:::aipm-dev-web-bucket-0000000/*"],
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ]);
  });

  it("uploads every asset with its content type, hashed files immutable and index.html no-cache", () => {
    const objects = Object.fromEntries(
      deployment
        .ofType("aws:s3/bucketObjectv2:BucketObjectv2")
        .map((object) => [object.inputs.key, object.inputs]),
    );
    expect(Object.keys(objects).sort()).toEqual([
      "aipm-release.json",
      "assets/app-5XQ2ZK3A.js",
      "assets/app-QW3RTY7U.css",
      "favicon.ico",
      "index.html",
    ]);
    expect(objects["index.html"]).toMatchObject({
      contentType: "text/html; charset=utf-8",
      cacheControl: "no-cache",
    });
    expect(objects["assets/app-5XQ2ZK3A.js"]).toMatchObject({
      contentType: "text/javascript; charset=utf-8",
      cacheControl: immutableCacheControl,
    });
    expect(objects["assets/app-QW3RTY7U.css"]?.cacheControl).toBe(immutableCacheControl);
  });

  it("writes the release manifest after the assets, revalidated, for the next deploy to keep them", () => {
    const manifest = deployment.named("aipm-dev-web-release-manifest").inputs;
    expect(manifest).toMatchObject({
      key: "aipm-release.json",
      contentType: "application/json",
      cacheControl: "no-cache",
    });
    expect(JSON.parse(manifest.content)).toEqual({
      version: 1,
      current: ["assets/app-5XQ2ZK3A.js", "assets/app-QW3RTY7U.css"],
      previous: [],
    });
  });
});

describe("WebHosting: the distribution", () => {
  it("reads the bucket through an S3 origin access control", () => {
    const origin = distribution().origins.find((o: { originId: string }) => o.originId === "web");
    expect(origin.domainName).toBe("aipm-dev-web-bucket-0000000.s3.us-east-1.amazonaws.com");
    expect(origin.originAccessControlId).toBe("aipm-dev-web-s3-oac-id");
    expect(deployment.named("aipm-dev-web-s3-oac").inputs).toMatchObject({
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
  });

  it("calls the Function URL over HTTPS through a Lambda origin access control", () => {
    const origin = distribution().origins.find((o: { originId: string }) => o.originId === "api");
    expect(origin.domainName).toBe("abcdefghij.lambda-url.us-east-1.on.aws");
    expect(origin.originAccessControlId).toBe("aipm-dev-web-api-oac-id");
    expect(origin.customOriginConfig).toMatchObject({
      originProtocolPolicy: "https-only",
      originSslProtocols: ["TLSv1.2"],
    });
    expect(deployment.named("aipm-dev-web-api-oac").inputs).toMatchObject({
      originAccessControlOriginType: "lambda",
      signingBehavior: "always",
    });
  });

  it("grants CloudFront, for this distribution only, both permissions a Function URL with IAM auth needs", () => {
    expect(deployment.named("aipm-dev-web-invoke-url").inputs).toEqual({
      function: "aipm-dev-api-function-1a2b3c",
      action: "lambda:InvokeFunctionUrl",
      principal: "cloudfront.amazonaws.com",
      sourceArn: distributionArn,
      functionUrlAuthType: "AWS_IAM",
    });
    expect(deployment.named("aipm-dev-web-invoke-function").inputs).toEqual({
      function: "aipm-dev-api-function-1a2b3c",
      action: "lambda:InvokeFunction",
      principal: "cloudfront.amazonaws.com",
      sourceArn: distributionArn,
      invokedViaFunctionUrl: true,
    });
  });

  it("serves the web app HTTPS only, with the SPA rewrite and the security headers", () => {
    const web = distribution().defaultCacheBehavior;
    expect(web).toMatchObject({ targetOriginId: "web", viewerProtocolPolicy: "redirect-to-https" });
    expect(web.functionAssociations).toEqual([
      {
        eventType: "viewer-request",
        functionArn: "arn:aws:cloudfront::123456789012:function/aipm-dev-web-spa-0000000",
      },
    ]);
    expect(deployment.named("aipm-dev-web-spa").inputs).toMatchObject({
      runtime: "cloudfront-js-2.0",
      code: spaRewriteCode,
    });
    expect(web.responseHeadersPolicyId).toBe("aipm-dev-web-web-headers-id");
    const headers = deployment.named("aipm-dev-web-web-headers").inputs.securityHeadersConfig;
    expect(headers.strictTransportSecurity).toMatchObject({
      accessControlMaxAgeSec: 63_072_000,
      override: true,
    });
    expect(headers.frameOptions).toEqual({ frameOption: "DENY", override: true });
    expect(headers.contentTypeOptions).toEqual({ override: true });
    expect(headers.contentSecurityPolicy.contentSecurityPolicy).toContain("default-src 'self'");
    expect(distribution().viewerCertificate).toMatchObject({ minimumProtocolVersion: "TLSv1.2_2021" });
    expect(distribution().customErrorResponses).toBeUndefined();
  });

  it("routes the SSE stream, /api/* and /health to the API, uncached and HTTPS only", () => {
    const behaviours = distribution().orderedCacheBehaviors as Record<string, unknown>[];
    expect(behaviours.map((b) => b.pathPattern)).toEqual(["/api/tasks/*/events", "/api/*", "/health"]);
    for (const behaviour of behaviours) {
      expect(behaviour).toMatchObject({
        targetOriginId: "api",
        viewerProtocolPolicy: "https-only",
        cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        originRequestPolicyId: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
        responseHeadersPolicyId: "aipm-dev-web-api-headers-id",
      });
    }
  });

  it("moves the token with a CloudFront Function on every authenticated API path, /health needing none", () => {
    const [stream, api, health] = distribution().orderedCacheBehaviors as Record<string, unknown>[];
    const moveToken = [
      {
        eventType: "viewer-request",
        functionArn: "arn:aws:cloudfront::123456789012:function/aipm-dev-web-api-auth-0000000",
      },
    ];
    expect(stream?.functionAssociations).toEqual(moveToken);
    expect(api?.functionAssociations).toEqual(moveToken);
    expect(health?.functionAssociations ?? []).toEqual([]);
    expect(deployment.named("aipm-dev-web-api-auth").inputs).toMatchObject({
      runtime: "cloudfront-js-2.0",
      code: apiViewerRequestCode,
      publish: true,
    });
  });

  it("hashes bodies with Lambda@Edge on origin-request only where writes are allowed", () => {
    const [stream, api, health] = distribution().orderedCacheBehaviors as Record<string, unknown>[];
    expect(api?.allowedMethods).toEqual(expect.arrayContaining(["POST", "PUT", "PATCH", "DELETE"]));
    expect(api?.lambdaFunctionAssociations).toEqual([
      {
        eventType: "origin-request",
        includeBody: true,
        lambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:aipm-dev-web-origin-request-0000000:1",
      },
    ]);
    for (const readOnly of [stream, health]) {
      expect(readOnly?.allowedMethods).toEqual(["GET", "HEAD", "OPTIONS"]);
      expect(readOnly?.lambdaFunctionAssociations ?? []).toEqual([]);
    }
  });

  it("runs the tested body hash as Lambda@Edge: us-east-1, published, nodejs22.x, its own minimal role", async () => {
    const edge = deployment.named("aipm-dev-web-origin-request").inputs;
    expect(edge).toMatchObject({
      region: "us-east-1",
      publish: true,
      runtime: "nodejs22.x",
      handler: "index.handler",
    });
    expect(await (await edge.code.assets)["index.mjs"].text).toBe(originRequestHandlerCode);
    const trust = JSON.parse(deployment.named("aipm-dev-web-edge-role").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal.Service).toEqual([
      "lambda.amazonaws.com",
      "edgelambda.amazonaws.com",
    ]);
    const logs = JSON.parse(deployment.named("aipm-dev-web-edge-logs").inputs.policy);
    expect(logs.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["Logs", "EdgeLogGroups"]);
    expect(logs.Statement[0].Resource[0]).toBe(
      "arn:aws:logs:*:123456789012:log-group:/aws/lambda/us-east-1.aipm-dev-web-origin-request-0000000",
    );
  });

  it("exposes the distribution's HTTPS URL", () => {
    expect(url).toBe("https://d111111abcdef8.cloudfront.net");
  });
});
