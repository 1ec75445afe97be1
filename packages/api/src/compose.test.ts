import type { ProjectContents, StoryStore } from "@aipm/store";
import { describe, expect, it } from "vitest";
import { limitProjectReads, MAX_PROJECT_READS } from "./compose.ts";

describe("limitProjectReads", () => {
  it(`reads at most ${MAX_PROJECT_READS} whole projects at once and answers every read with its own project`, async () => {
    let running = 0;
    let most = 0;
    const store = {
      async readProject(projectId: string) {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return { projectId } as unknown as ProjectContents;
      },
      getStory: async () => null,
    } as unknown as StoryStore;
    const limited = limitProjectReads(store);
    const ids = Array.from({ length: 20 }, (_, index) => `prj_${index}`);
    const read = await Promise.all(ids.map((id) => limited.readProject(id)));
    expect(read.map((contents) => (contents as unknown as { projectId: string }).projectId)).toEqual(ids);
    expect(most).toBe(MAX_PROJECT_READS);
    expect(await limited.getStory("sty_x")).toBeNull();
  });
});
