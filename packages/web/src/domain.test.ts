import {
  investCriteria,
  storyStatuses as sharedStoryStatuses,
  taskStatuses as sharedTaskStatuses,
  acceptanceTestStatuses as sharedTestStatuses,
} from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { acceptanceTestStatuses, investCriterionNames, storyStatuses, taskStatuses } from "./domain.ts";

describe("the value lists repeated from @aipm/shared", () => {
  it("match the originals, in order", () => {
    expect(storyStatuses).toEqual(sharedStoryStatuses);
    expect(acceptanceTestStatuses).toEqual(sharedTestStatuses);
    expect(taskStatuses).toEqual(sharedTaskStatuses);
    expect(Object.keys(investCriterionNames)).toEqual(investCriteria);
  });
});
