import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseConfig } from "./config.ts";

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(4000),
  DEBUG: z.enum(["true", "false"]).default("false"),
  DATABASE_URL: z.url(),
  API_TOKEN: z.string().min(16),
});

const valid = { DATABASE_URL: "http://127.0.0.1:8000", API_TOKEN: "0123456789abcdef" };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies defaults", () => {
    expect(parseConfig(schema, valid)).toEqual({ ...valid, PORT: 4000, DEBUG: "false" });
  });

  it("coerces and keeps given values, ignoring unrelated variables", () => {
    expect(parseConfig(schema, { ...valid, PORT: "8080", DEBUG: "true", HOME: "/root" })).toEqual({
      ...valid,
      PORT: 8080,
      DEBUG: "true",
    });
  });

  it("treats an empty variable as not set, so its default applies", () => {
    expect(parseConfig(schema, { ...valid, PORT: "", DEBUG: "" })).toEqual({
      ...valid,
      PORT: 4000,
      DEBUG: "false",
    });
    expect(parseConfig(schema, { ...valid, PORT: undefined })).toMatchObject({ PORT: 4000 });
  });

  it("names every missing variable and says it is not set", () => {
    const error = configError(() => parseConfig(schema, { API_TOKEN: "" }, "the AIPM API"));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toMatch(/^Configuration of the AIPM API is not valid/);
    expect(error.message).toMatch(/DATABASE_URL: is required but not set/);
    expect(error.message).toMatch(/API_TOKEN: is required but not set/);
    expect(error.problems.map((problem) => problem.variable).sort()).toEqual(["API_TOKEN", "DATABASE_URL"]);
  });

  it("names every bad variable with what is wrong, and not as unset", () => {
    const error = configError(() =>
      parseConfig(schema, { PORT: "http", DEBUG: "yes", DATABASE_URL: "localhost", API_TOKEN: "short" }),
    );
    expect(error.problems.map((problem) => problem.variable).sort()).toEqual([
      "API_TOKEN",
      "DATABASE_URL",
      "DEBUG",
      "PORT",
    ]);
    for (const problem of error.problems) {
      expect(problem.message).not.toMatch(/not set/);
      expect(error.message).toContain(`  ${problem.variable}: ${problem.message}`);
    }
    expect(error.message).toMatch(/^Configuration of this process is not valid/);
  });

  it("reports missing and bad variables together", () => {
    const error = configError(() => parseConfig(schema, { PORT: "0", API_TOKEN: "0123456789abcdef" }));
    expect(error.problems).toEqual([
      { variable: "PORT", message: expect.not.stringMatching(/not set/) },
      { variable: "DATABASE_URL", message: expect.stringMatching(/^is required but not set/) },
    ]);
  });

  it("names the configuration as a whole for a problem that no variable owns", () => {
    const both = z
      .object({ A: z.string().optional(), B: z.string().optional() })
      .refine((env) => env.A === undefined || env.B === undefined, "set A or B, not both");
    const error = configError(() => parseConfig(both, { A: "1", B: "2" }));
    expect(error.problems).toEqual([{ variable: "(configuration)", message: "set A or B, not both" }]);
  });
});
