import { describe, expect, it } from "vitest";
import { loadModelKeys } from "./model-keys.ts";

const arn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm/prod/model/${name}-Ab12`;

describe("loadModelKeys", () => {
  it("reads each key by ARN, leaves out empty or unreadable ones, and logs names, never values", async () => {
    const lines: string[] = [];
    const log = {
      info: (message: string, fields?: Record<string, unknown>) =>
        lines.push(message + JSON.stringify(fields)),
      error: (message: string, fields?: Record<string, unknown>) =>
        lines.push(message + JSON.stringify(fields)),
    };
    const values: Record<string, string> = {
      [arn("ANTHROPIC_API_KEY")]: " sk-ant-secret-value \n",
      [arn("OPENAI_API_KEY")]: "",
    };
    const keys = await loadModelKeys(
      {
        ANTHROPIC_API_KEY: arn("ANTHROPIC_API_KEY"),
        OPENAI_API_KEY: arn("OPENAI_API_KEY"),
        GEMINI_API_KEY: arn("GEMINI_API_KEY"),
      },
      async (secret) => {
        if (!(secret in values))
          throw Object.assign(new Error("no AWSCURRENT"), { name: "ResourceNotFoundException" });
        return values[secret];
      },
      log,
    );
    expect(keys).toEqual({ ANTHROPIC_API_KEY: "sk-ant-secret-value" });
    const logged = lines.join("\n");
    expect(logged).not.toContain("sk-ant-secret-value");
    expect(logged).toContain('model key is empty{"name":"OPENAI_API_KEY"');
    expect(logged).toContain('"name":"GEMINI_API_KEY","reason":"ResourceNotFoundException"');
    expect(logged).toContain("aws secretsmanager put-secret-value");
    expect(logged).toContain('model keys read{"names":["ANTHROPIC_API_KEY"]}');
  });
});
