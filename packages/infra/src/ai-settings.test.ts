/**
 * @module ai-settings.test: the Bedrock model ARNs a grant names, table by table and evaluated as
 * IAM does, and the AI settings refused before any resource exists.
 */
import { defaultAiModels } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { aiModel, bedrockModelArns, checkAiSettings, scopeOfArn } from "./ai-settings.ts";
import { evaluatePolicy } from "./policy-evaluation.ts";

const scope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };

describe("bedrockModelArns", () => {
  it.each([
    [
      "a foundation model: that model in the region",
      "anthropic.claude-sonnet-4-5-20250929-v1:0",
      ["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ],
    [
      "a cross-region inference profile: the profile here, its foundation model in any region",
      "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
      [
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
      ],
    ],
    [
      "a global inference profile, likewise",
      "global.anthropic.claude-haiku-4-5-20251001-v1:0",
      [
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
      ],
    ],
    [
      "an ARN (a provisioned model): as given",
      "arn:aws:bedrock:eu-west-1:123456789012:provisioned-model/abc123",
      ["arn:aws:bedrock:eu-west-1:123456789012:provisioned-model/abc123"],
    ],
  ])("grants %s", (_, model, arns) => {
    expect(bedrockModelArns(model, scope)).toEqual(arns);
  });

  it("grants one model: another model, or the same one's other profiles, is not covered", () => {
    const policy = {
      Statement: [
        {
          Effect: "Allow" as const,
          Action: ["bedrock:InvokeModelWithResponseStream"],
          Resource: bedrockModelArns("us.anthropic.claude-sonnet-4-5-20250929-v1:0", scope),
        },
      ],
    };
    const decide = (arn: string) => evaluatePolicy(policy, "bedrock:InvokeModelWithResponseStream", arn);
    expect(
      decide("arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ).toBe("allow");
    expect(
      decide("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-1-20250805-v1:0"),
    ).toBe("implicit-deny");
    expect(
      decide(
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
      ),
    ).toBe("implicit-deny");
  });

  it("refuses wildcards, spaces and ARNs of other services, naming the config key", () => {
    for (const model of ["anthropic.*", "us.anthropic.claude?", "", "claude sonnet"]) {
      expect(() => bedrockModelArns(model, scope), model).toThrow(
        /aipm:aiModel .*\(no wildcards or spaces\)/,
      );
    }
    expect(() => bedrockModelArns("arn:aws:iam::123456789012:role/x", scope)).toThrow(/not a Bedrock ARN/);
  });

  it("reads the partition, region and account of the API's own ARNs", () => {
    expect(scopeOfArn("arn:aws-us-gov:logs:us-gov-west-1:210987654321:log-group:/aipm/prod/api")).toEqual({
      partition: "aws-us-gov",
      region: "us-gov-west-1",
      accountId: "210987654321",
    });
  });
});

describe("checkAiSettings", () => {
  it("takes no settings, Bedrock without a key, and Anthropic or OpenAI with one (or a keyless gateway)", () => {
    expect(() => checkAiSettings(undefined, { apiKey: false })).not.toThrow();
    expect(() => checkAiSettings({ provider: "bedrock" }, { apiKey: false })).not.toThrow();
    expect(() => checkAiSettings({ provider: "anthropic" }, { apiKey: true })).not.toThrow();
    expect(() =>
      checkAiSettings({ provider: "openai", baseUrl: "http://10.0.0.5:11434/v1" }, { apiKey: false }),
    ).not.toThrow();
  });

  it.each([
    [undefined, true, /aipm:aiApiKey needs aipm:aiProvider/],
    [
      { provider: "gemini" },
      false,
      /aipm:aiProvider must be one of anthropic, openai, bedrock; got "gemini"/,
    ],
    [{ provider: "bedrock" }, true, /aipm:aiApiKey is not used with bedrock/],
    [{ provider: "anthropic" }, false, /aipm:aiApiKey is required with anthropic/],
    [{ provider: "openai", openaiApi: "assistants" }, true, /aipm:aiOpenaiApi must be chat or responses/],
    [{ provider: "bedrock", model: "anthropic.*" }, false, /aipm:aiModel "anthropic\.\*"/],
  ])("refuses %j (key given: %s), saying what to fix", (settings, apiKey, message) => {
    expect(() => checkAiSettings(settings as never, { apiKey })).toThrow(message);
  });

  it("means the provider's default model when none is set", () => {
    expect(aiModel({ provider: "bedrock" })).toBe(defaultAiModels.bedrock);
    expect(aiModel({ provider: "openai", model: "gpt-5-mini" })).toBe("gpt-5-mini");
  });
});
