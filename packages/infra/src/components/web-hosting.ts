/**
 * @module components/web-hosting: the web app in a private S3 bucket behind CloudFront, and the
 * API's Function URL behind the same distribution under `/api/*` and `/health`.
 */
import * as cloudfront from "@pulumi/aws/cloudfront";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { accessPolicy } from "../access-policies.ts";
import { defaultPriceClass } from "../defaults.ts";
import { apiViewerRequestCode, originRequestHandlerCode, spaRewriteCode } from "../edge-code.ts";
import { privateBucket } from "../private-bucket.ts";
import { serviceTrustPolicy } from "../trust-policies.ts";
import { listWebAssets } from "../web-assets.ts";
import { publishRelease } from "../web-release.ts";

/** AWS-managed CloudFront policies, by their fixed ids. */
export const managedPolicies = {
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  /** Forwards everything but Host, which a Function URL must receive as its own. */
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
} as const;

/** The web app's Content-Security-Policy: everything from its own origin, nothing framed. */
export const webContentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export interface WebHostingArgs {
  /** The environment, for names and descriptions. */
  environment: string;
  /** The web app's esbuild output directory (must hold index.html). */
  assetsDir: string;
  /** The API's Function URL (`https://<id>.lambda-url.<region>.on.aws/`), created with AWS_IAM auth. */
  apiFunctionUrl: pulumi.Input<string>;
  /** The API function's name, to grant CloudFront the right to invoke it. */
  apiFunctionName: pulumi.Input<string>;
  /** CloudFront price class. Default: {@link defaultPriceClass}. */
  priceClass?: string;
  /**
   * The permissions boundary the Lambda@Edge role carries: the environment's, once it is
   * bootstrapped. Default: none.
   */
  permissionsBoundary?: pulumi.Input<string>;
}

/**
 * The API paths that only ever read, routed without the body-hashing Lambda@Edge: CloudFront
 * chooses a behaviour by path, not by method, so only a path with no write route can skip it.
 * The task event stream is the long-lived SSE connection every open task page holds.
 */
export const readOnlyApiPaths = ["/api/tasks/*/events"] as const;

/**
 * A private, encrypted bucket with the web assets, the previous release's hashed files kept
 * until the next deploy (see web-release.ts); a CloudFront distribution (HTTPS only,
 * security headers, SPA fallback) reading it through origin access control; and the API reached
 * through origin access control for Lambda, so the Function URL refuses anyone but this
 * distribution.
 *
 * @example new WebHosting("aipm-dev-web", { environment: "dev", assetsDir, apiFunctionUrl: api.functionUrl.functionUrl, apiFunctionName: api.function.name })
 */
export class WebHosting extends pulumi.ComponentResource {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>` */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: WebHostingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:web:WebHosting", name, {}, opts);
    const assets = listWebAssets(args.assetsDir);

    const { bucket, publicAccessBlock } = privateBucket(`${name}-bucket`, this);
    this.bucket = bucket;

    const s3Access = new cloudfront.OriginAccessControl(
      `${name}-s3-oac`,
      {
        description: `AIPM ${args.environment}: CloudFront reads the web bucket`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      { parent: this },
    );
    const lambdaAccess = new cloudfront.OriginAccessControl(
      `${name}-api-oac`,
      {
        description: `AIPM ${args.environment}: CloudFront calls the API Function URL`,
        originAccessControlOriginType: "lambda",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      { parent: this },
    );

    const spaRewrite = new cloudfront.Function(
      `${name}-spa`,
      {
        runtime: "cloudfront-js-2.0",
        comment: "Serves index.html for client-side routes",
        code: spaRewriteCode,
        publish: true,
      },
      { parent: this },
    );

    // Origin access control signs each API request in its Authorization header, overwriting the
    // viewer's token: this CloudFront Function moves it first, on every API request (edge-code.ts).
    const apiAuth = new cloudfront.Function(
      `${name}-api-auth`,
      {
        runtime: "cloudfront-js-2.0",
        comment: "Moves Authorization to X-Aipm-Authorization before CloudFront signs",
        code: apiViewerRequestCode,
        publish: true,
      },
      { parent: this },
    );

    // Lambda wants a body's hash in the signed request, and only Lambda@Edge can read bodies; this
    // function adds it (edge-code.ts). It lives in us-east-1 whatever the stack's region, runs
    // x86_64 only and has no environment.
    const edgeRole = new iam.Role(
      `${name}-edge-role`,
      {
        description: `AIPM ${args.environment}: Lambda@Edge preparing API requests for signing`,
        assumeRolePolicy: JSON.stringify(
          serviceTrustPolicy("lambda.amazonaws.com", "edgelambda.amazonaws.com"),
        ),
        ...(args.permissionsBoundary === undefined ? {} : { permissionsBoundary: args.permissionsBoundary }),
      },
      { parent: this },
    );
    const originRequest = new lambda.Function(
      `${name}-origin-request`,
      {
        region: "us-east-1",
        description: "Adds the body's x-amz-content-sha256 before CloudFront signs a request to the API",
        runtime: "nodejs22.x",
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({
          "index.mjs": new pulumi.asset.StringAsset(originRequestHandlerCode),
        }),
        role: edgeRole.arn,
        memorySize: 128,
        timeout: 5,
        publish: true,
        // Replicas at the edge outlive the distribution by hours and block deletion; leave the
        // function behind on destroy rather than fail (it costs nothing unused).
        skipDestroy: true,
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-edge-logs`,
      {
        role: edgeRole.id,
        // Lambda@Edge logs to `/aws/lambda/us-east-1.<name>` in whichever region served the
        // request, creating that group there the first time.
        policy: pulumi.all([originRequest.name, originRequest.arn]).apply(([functionName, functionArn]) => {
          const [, partition, , , account] = functionArn.split(":");
          const logGroup = `arn:${partition}:logs:*:${account}:log-group:/aws/lambda/us-east-1.${functionName}`;
          const document = accessPolicy({ logGroupArns: [logGroup] });
          document.Statement.push({
            Sid: "EdgeLogGroups",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup"],
            Resource: [logGroup],
          });
          return JSON.stringify(document);
        }),
      },
      { parent: this },
    );

    const webHeaders = new cloudfront.ResponseHeadersPolicy(
      `${name}-web-headers`,
      {
        comment: `AIPM ${args.environment}: security headers for the web app`,
        securityHeadersConfig: {
          strictTransportSecurity: {
            accessControlMaxAgeSec: 63_072_000,
            includeSubdomains: true,
            preload: false,
            override: true,
          },
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: "DENY", override: true },
          referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
          contentSecurityPolicy: { contentSecurityPolicy: webContentSecurityPolicy, override: true },
        },
      },
      { parent: this },
    );
    // The API's interactive docs load Swagger UI from a CDN, so the API gets no CSP of ours.
    const apiHeaders = new cloudfront.ResponseHeadersPolicy(
      `${name}-api-headers`,
      {
        comment: `AIPM ${args.environment}: security headers for the API`,
        securityHeadersConfig: {
          strictTransportSecurity: {
            accessControlMaxAgeSec: 63_072_000,
            includeSubdomains: true,
            override: true,
          },
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: "DENY", override: true },
          referrerPolicy: { referrerPolicy: "no-referrer", override: true },
        },
      },
      { parent: this },
    );

    const apiOrigin = "api";
    const webOrigin = "web";
    // A behaviour may have one function per event, and CloudFront Functions and Lambda@Edge may
    // not share the viewer events; a CloudFront Function on viewer-request beside Lambda@Edge on
    // origin-request is allowed. CloudFront cannot choose a behaviour or a function by method, so
    // GET and HEAD requests to a path that also takes writes run the Lambda@Edge (which returns at
    // once for them); read-only paths get behaviours without it, refusing writes at the edge.
    const apiBehaviour = (pathPattern: string, use: { auth: boolean; writes: boolean }) => ({
      pathPattern,
      targetOriginId: apiOrigin,
      viewerProtocolPolicy: "https-only",
      allowedMethods: use.writes
        ? ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
        : ["GET", "HEAD", "OPTIONS"],
      cachedMethods: ["GET", "HEAD"],
      compress: true,
      cachePolicyId: managedPolicies.cachingDisabled,
      originRequestPolicyId: managedPolicies.allViewerExceptHostHeader,
      responseHeadersPolicyId: apiHeaders.id,
      ...(use.auth && {
        functionAssociations: [{ eventType: "viewer-request", functionArn: apiAuth.arn }],
      }),
      ...(use.writes && {
        lambdaFunctionAssociations: [
          { eventType: "origin-request", lambdaArn: originRequest.qualifiedArn, includeBody: true },
        ],
      }),
    });

    this.distribution = new cloudfront.Distribution(
      `${name}-cdn`,
      {
        comment: `AIPM ${args.environment}`,
        enabled: true,
        isIpv6Enabled: true,
        httpVersion: "http2and3",
        priceClass: args.priceClass ?? defaultPriceClass,
        defaultRootObject: "index.html",
        origins: [
          {
            originId: webOrigin,
            domainName: this.bucket.bucketRegionalDomainName,
            originAccessControlId: s3Access.id,
          },
          {
            originId: apiOrigin,
            domainName: pulumi.output(args.apiFunctionUrl).apply((url) => new URL(url).host),
            originAccessControlId: lambdaAccess.id,
            customOriginConfig: {
              httpPort: 80,
              httpsPort: 443,
              originProtocolPolicy: "https-only",
              originSslProtocols: ["TLSv1.2"],
              originReadTimeout: 30,
            },
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: webOrigin,
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD", "OPTIONS"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          cachePolicyId: managedPolicies.cachingOptimized,
          responseHeadersPolicyId: webHeaders.id,
          functionAssociations: [{ eventType: "viewer-request", functionArn: spaRewrite.arn }],
        },
        // In order: the first pattern that matches a path wins.
        orderedCacheBehaviors: [
          ...readOnlyApiPaths.map((path) => apiBehaviour(path, { auth: true, writes: false })),
          apiBehaviour("/api/*", { auth: true, writes: true }),
          apiBehaviour("/health", { auth: false, writes: false }),
        ],
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1.2_2021" },
      },
      { parent: this },
    );

    new s3.BucketPolicy(
      `${name}-bucket`,
      {
        bucket: this.bucket.id,
        policy: pulumi.all([this.bucket.arn, this.distribution.arn]).apply(([bucketArn, distributionArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "CloudFrontReadsObjects",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: ["s3:GetObject"],
                Resource: [`${bucketArn}/*`],
                Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
              },
            ],
          }),
        ),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );

    // Function URLs with AWS_IAM auth need both permissions for the calling service.
    new lambda.Permission(
      `${name}-invoke-url`,
      {
        function: args.apiFunctionName,
        action: "lambda:InvokeFunctionUrl",
        principal: "cloudfront.amazonaws.com",
        sourceArn: this.distribution.arn,
        functionUrlAuthType: "AWS_IAM",
      },
      { parent: this },
    );
    new lambda.Permission(
      `${name}-invoke-function`,
      {
        function: args.apiFunctionName,
        action: "lambda:InvokeFunction",
        principal: "cloudfront.amazonaws.com",
        sourceArn: this.distribution.arn,
        invokedViaFunctionUrl: true,
      },
      { parent: this },
    );

    publishRelease(name, this.bucket, assets, this);

    this.url = pulumi.interpolate`https://${this.distribution.domainName}`;
    this.registerOutputs({ url: this.url, bucketName: this.bucket.bucket });
  }
}
