/**
 * @module fake-auto-scaling: a local HTTP server speaking the AWS Query protocol for the two Auto
 * Scaling actions `restart-workers` uses, so no test reaches AWS. It answers the instance
 * refresh's statuses in the order given, and records each request with its signing region.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RefreshStatus {
  Status: string;
  PercentageComplete?: number;
  InstancesToUpdate?: number;
  StatusReason?: string;
}

export interface FakeAutoScaling {
  endpoint: string;
  requests: { action: string; params: Record<string, string>; region: string | null }[];
  close(): Promise<void>;
}

const NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * @example const aws = await startFakeAutoScaling({ statuses: [{ Status: "Successful", PercentageComplete: 100 }] });
 */
export async function startFakeAutoScaling(options: {
  statuses: RefreshStatus[];
  /** Refuse StartInstanceRefresh with this Query-protocol error. */
  startError?: { code: string; message: string };
}): Promise<FakeAutoScaling> {
  const requests: FakeAutoScaling["requests"] = [];
  const refreshId = "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b";
  let described = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? "";
      const region =
        /Credential=[^/]+\/\d+\/([^/]+)\/autoscaling\//.exec(req.headers.authorization ?? "")?.[1] ?? null;
      requests.push({ action, params, region });
      const reply = (status: number, xml: string) => {
        res.writeHead(status, { "Content-Type": "text/xml" });
        res.end(`<?xml version="1.0"?>\n${xml}`);
      };
      const metadata = "<ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata>";
      if (action === "StartInstanceRefresh") {
        if (options.startError) {
          reply(
            400,
            `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${options.startError.code}</Code><Message>${escapeXml(options.startError.message)}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`,
          );
          return;
        }
        reply(
          200,
          `<StartInstanceRefreshResponse xmlns="${NS}"><StartInstanceRefreshResult><InstanceRefreshId>${refreshId}</InstanceRefreshId></StartInstanceRefreshResult>${metadata}</StartInstanceRefreshResponse>`,
        );
      } else if (action === "DescribeInstanceRefreshes") {
        const status = options.statuses[Math.min(described, options.statuses.length - 1)] ?? {
          Status: "Pending",
        };
        described += 1;
        const fields = Object.entries(status)
          .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
          .join("");
        reply(
          200,
          `<DescribeInstanceRefreshesResponse xmlns="${NS}"><DescribeInstanceRefreshesResult><InstanceRefreshes><member><InstanceRefreshId>${refreshId}</InstanceRefreshId><AutoScalingGroupName>${escapeXml(params.AutoScalingGroupName ?? "")}</AutoScalingGroupName>${fields}</member></InstanceRefreshes></DescribeInstanceRefreshesResult>${metadata}</DescribeInstanceRefreshesResponse>`,
        );
      } else {
        reply(
          400,
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>fake: ${escapeXml(action)}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`,
        );
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
