import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

function outputValue<T>(output: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(output).apply((value) => {
      resolve(value);
      return value;
    });
  });
}

describe("the prod stack program", () => {
  it("names its tables for the prod environment", async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: (args) => args.inputs,
      },
      "aipm",
      "prod",
    );
    const program = await import("./index.ts");
    const tables = await outputValue(program.tables);
    expect(tables.stories).toBe("aipm-prod-stories");
    expect(tables.taskEvents).toBe("aipm-prod-task-events");
  });
});
