import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  type FakeAutoScaling,
  type RefreshStatus,
  startFakeAutoScaling,
} from "../../test/fake-auto-scaling.ts";
import { fakeTools } from "../../test/fake-tools.ts";
import { fixtureRepo } from "../../test/fixture-repo.ts";
import { captureIo } from "../../test/io.ts";
import { removeTempDirs } from "../../test/temp.ts";
import { runCli } from "../main.ts";
import { restartWorkersCommand } from "./restart-workers.ts";

let aws: FakeAutoScaling | undefined;
afterEach(() => aws?.close());
afterAll(removeTempDirs);

async function restartWorkers(
  statuses: RefreshStatus[],
  args: string[],
  options: {
    viaFlag?: boolean;
    startError?: { code: string; message: string };
    env?: Record<string, string>;
  } = {},
) {
  const [repo, tools] = await Promise.all([fixtureRepo(), fakeTools()]);
  await tools.set({ outputs: { apiUrl: "http://127.0.0.1:9", workerGroupName: "aipm-dev-workers" } });
  aws = await startFakeAutoScaling({
    statuses,
    ...(options.startError ? { startError: options.startError } : {}),
  });
  const io = captureIo(
    {
      ...repo.env,
      PATH: `${tools.binDir}:${repo.env.PATH}`,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDFAKEFORTESTS",
      AWS_SECRET_ACCESS_KEY: "fake-secret-for-tests",
      ...(options.viaFlag ? {} : { AIPM_AWS_ENDPOINT: aws.endpoint }),
      ...options.env,
    },
    repo.work,
  );
  const code = await runCli(
    [
      "restart-workers",
      "dev",
      "--poll",
      "0.01",
      ...(options.viaFlag ? ["--endpoint", aws.endpoint] : []),
      ...args,
    ],
    [restartWorkersCommand],
    io,
  );
  return { code, io, requests: aws.requests };
}

describe("aipm restart-workers", () => {
  it("starts an instance refresh of the stack's worker group and reports its progress until Successful", async () => {
    const { code, io, requests } = await restartWorkers(
      [
        { Status: "Pending" },
        {
          Status: "InProgress",
          PercentageComplete: 0,
          InstancesToUpdate: 2,
          StatusReason: "Waiting for instances to warm up.",
        },
        { Status: "InProgress", PercentageComplete: 50, InstancesToUpdate: 1 },
        { Status: "InProgress", PercentageComplete: 50, InstancesToUpdate: 1 },
        { Status: "Successful", PercentageComplete: 100, InstancesToUpdate: 0 },
      ],
      [],
    );
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(requests[0]).toEqual({
      action: "StartInstanceRefresh",
      region: "eu-west-1",
      params: {
        Action: "StartInstanceRefresh",
        Version: "2011-01-01",
        AutoScalingGroupName: "aipm-dev-workers",
        Strategy: "Rolling",
        "Preferences.MinHealthyPercentage": "100",
        "Preferences.MaxHealthyPercentage": "200",
      },
    });
    expect(requests.slice(1).map((request) => request.action)).toEqual(
      Array(5).fill("DescribeInstanceRefreshes"),
    );
    expect(requests[1]?.params).toMatchObject({
      AutoScalingGroupName: "aipm-dev-workers",
      "InstanceRefreshIds.member.1": "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b",
    });
    const progress = io.stdout
      .split("\n")
      .filter((line) => /^ {2}\d{4}-/.test(line))
      .map((line) => line.replace(/^ {2}\S+ {2}/, ""));
    expect(progress).toEqual([
      "Pending",
      "InProgress, 0% complete, 2 to replace, Waiting for instances to warm up.",
      "InProgress, 50% complete, 1 to replace",
      "Successful, 100% complete, 0 to replace",
    ]);
    expect(io.stdout).toContain("The workers of dev were replaced.");
  });

  it("exits 1 with AWS's reason when the refresh fails; --endpoint and --min-healthy are honoured", async () => {
    const { code, io, requests } = await restartWorkers(
      [
        { Status: "InProgress", PercentageComplete: 0 },
        { Status: "Failed", StatusReason: "Instance i-0abc failed to launch" },
      ],
      ["--min-healthy", "90", "--max-healthy", "110"],
      { viaFlag: true },
    );
    expect(code).toBe(1);
    expect(requests[0]?.params).toMatchObject({
      "Preferences.MinHealthyPercentage": "90",
      "Preferences.MaxHealthyPercentage": "110",
    });
    expect(io.stderr).toContain("ended Failed: Instance i-0abc failed to launch");
  });

  it("says how to cancel a refresh that is already running", async () => {
    const { code, io, requests } = await restartWorkers([], [], {
      startError: {
        code: "InstanceRefreshInProgress",
        message: "An Instance Refresh is already in progress.",
      },
    });
    expect(code).toBe(1);
    expect(requests.map((request) => request.action)).toEqual(["StartInstanceRefresh"]);
    expect(io.stderr).toContain("an instance refresh of aipm-dev-workers is already running");
    expect(io.stderr).toContain(
      "aws autoscaling cancel-instance-refresh --auto-scaling-group-name aipm-dev-workers",
    );
  });

  it("gives up waiting after --wait, saying the refresh goes on", async () => {
    const { code, io } = await restartWorkers(
      [{ Status: "InProgress", PercentageComplete: 10 }],
      ["--wait", "0.01"],
    );
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/is still InProgress after 0\.01 min; it goes on in AWS/);
  });

  it("needs a region", async () => {
    const { code, io, requests } = await restartWorkers([], [], { env: { AWS_REGION: "" } });
    expect(code).toBe(2);
    expect(io.stderr).toContain("set AWS_REGION");
    expect(requests).toEqual([]);
  });
});
