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

describe("the dev stack program", () => {
  it("names its tables for the dev environment", async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: (args) => args.inputs,
      },
      "aipm",
      "dev",
    );
    const program = await import("./index.ts");
    const tables = await outputValue(program.tables);
    expect(tables.stories).toBe("aipm-dev-stories");
    expect(tables.taskEvents).toBe("aipm-dev-task-events");
  });
});
