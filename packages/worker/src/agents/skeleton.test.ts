import { describe, expect, it } from "vitest";
import { renderSkeleton, type SkeletonStory, type SkeletonTest } from "./skeleton.ts";
import { frameworks } from "./skeleton-test-support.ts";

const story: SkeletonStory = {
  id: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
  title: "Reorder stories by drag and drop",
};
const tests: SkeletonTest[] = [
  {
    title: "Dragging a story moves it",
    given: ["Given a backlog with stories A, B and C", "I am signed in as a product owner"],
    when: ["When I drag C above A"],
    then: ["Then the backlog reads C, A, B", "and the order is saved"],
  },
  {
    title: "Keyboard users can reorder too",
    given: ["a story is focused"],
    when: ["I press Alt+Up"],
    then: ["it moves up one place"],
  },
];

const header = (prefix: string) =>
  [
    `${prefix} Acceptance tests scaffolded by AIPM from the story's Given/When/Then steps:`,
    `${prefix} each test fails until it is implemented.`,
    `${prefix} Story sty_01jdq3m1k9x7v2b8c4n5r6t0yz: Reorder stories by drag and drop`,
  ].join("\n");

const javaScriptBody = `describe("Reorder stories by drag and drop", () => {
  it("Dragging a story moves it", () => {
    // Given a backlog with stories A, B and C
    // And I am signed in as a product owner
    // When I drag C above A
    // Then the backlog reads C, A, B
    // And the order is saved
    throw new Error("Not implemented: Dragging a story moves it");
  });

  it("Keyboard users can reorder too", () => {
    // Given a story is focused
    // When I press Alt+Up
    // Then it moves up one place
    throw new Error("Not implemented: Keyboard users can reorder too");
  });
});
`;

describe("renderSkeleton: the whole file, per framework", () => {
  it("vitest in TypeScript", () => {
    expect(renderSkeleton(frameworks.vitestTs, story, tests)).toEqual({
      path: "tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.ts",
      content: `${header("//")}\n\nimport { describe, it } from "vitest";\n\n${javaScriptBody}`,
    });
  });

  it("vitest in JavaScript differs only in the extension", () => {
    const typescript = renderSkeleton(frameworks.vitestTs, story, tests);
    const javascript = renderSkeleton(frameworks.vitestJs, story, tests);
    expect(javascript.path).toBe("tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js");
    expect(javascript.content).toBe(typescript.content);
  });

  it.each([
    ["jest", frameworks.jest, ""],
    ["mocha", frameworks.mocha, ""],
    ["node:test as an ES module", frameworks.nodeEsm, 'import { describe, it } from "node:test";\n\n'],
    ["node:test as CommonJS", frameworks.nodeCjs, 'const { describe, it } = require("node:test");\n\n'],
  ])("%s: the same tests, with the framework's own import or its globals", (_, framework, imports) => {
    expect(renderSkeleton(framework, story, tests)).toEqual({
      path: "test/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js",
      content: `${header("//")}\n\n${imports}${javaScriptBody}`,
    });
  });

  it("pytest", () => {
    expect(renderSkeleton(frameworks.pytest, story, tests)).toEqual({
      path: "tests/acceptance/test_reorder_stories_by_drag_and_drop_n5r6t0yz.py",
      content: `${header("#")}

import pytest


def test_dragging_a_story_moves_it():
    # Given a backlog with stories A, B and C
    # And I am signed in as a product owner
    # When I drag C above A
    # Then the backlog reads C, A, B
    # And the order is saved
    pytest.fail("Not implemented: Dragging a story moves it")


def test_keyboard_users_can_reorder_too():
    # Given a story is focused
    # When I press Alt+Up
    # Then it moves up one place
    pytest.fail("Not implemented: Keyboard users can reorder too")
`,
    });
  });
});

describe("renderSkeleton: the whole file, for go and Rust", () => {
  it("go test", () => {
    expect(renderSkeleton(frameworks.go, story, tests)).toEqual({
      path: "acceptance/reorder_stories_by_drag_and_drop_n5r6t0yz_test.go",
      content: `${header("//")}

package acceptance

import "testing"

func TestReorderStoriesByDragAndDropN5r6t0yz(t *testing.T) {
\tt.Run("Dragging a story moves it", func(t *testing.T) {
\t\t// Given a backlog with stories A, B and C
\t\t// And I am signed in as a product owner
\t\t// When I drag C above A
\t\t// Then the backlog reads C, A, B
\t\t// And the order is saved
\t\tt.Fatalf("Not implemented: %s", "Dragging a story moves it")
\t})

\tt.Run("Keyboard users can reorder too", func(t *testing.T) {
\t\t// Given a story is focused
\t\t// When I press Alt+Up
\t\t// Then it moves up one place
\t\tt.Fatalf("Not implemented: %s", "Keyboard users can reorder too")
\t})
}
`,
    });
  });

  it("cargo test", () => {
    expect(renderSkeleton(frameworks.rust, story, tests)).toEqual({
      path: "tests/acceptance_reorder_stories_by_drag_and_drop_n5r6t0yz.rs",
      content: `${header("//")}

#[test]
fn test_dragging_a_story_moves_it() {
    // Given a backlog with stories A, B and C
    // And I am signed in as a product owner
    // When I drag C above A
    // Then the backlog reads C, A, B
    // And the order is saved
    panic!("Not implemented: Dragging a story moves it");
}

#[test]
fn test_keyboard_users_can_reorder_too() {
    // Given a story is focused
    // When I press Alt+Up
    // Then it moves up one place
    panic!("Not implemented: Keyboard users can reorder too");
}
`,
    });
  });
});

describe("renderSkeleton: the whole file, for JUnit 5 and a checklist", () => {
  it("JUnit 5", () => {
    expect(renderSkeleton(frameworks.junit, story, tests)).toEqual({
      path: "src/test/java/acceptance/ReorderStoriesByDragAndDropN5r6t0yzTest.java",
      content: `${header("//")}

package acceptance;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reorder stories by drag and drop")
class ReorderStoriesByDragAndDropN5r6t0yzTest {
    @Test
    @DisplayName("Dragging a story moves it")
    void testDraggingAStoryMovesIt() {
        // Given a backlog with stories A, B and C
        // And I am signed in as a product owner
        // When I drag C above A
        // Then the backlog reads C, A, B
        // And the order is saved
        fail("Not implemented: Dragging a story moves it");
    }

    @Test
    @DisplayName("Keyboard users can reorder too")
    void testKeyboardUsersCanReorderToo() {
        // Given a story is focused
        // When I press Alt+Up
        // Then it moves up one place
        fail("Not implemented: Keyboard users can reorder too");
    }
}
`,
    });
  });

  it("a Markdown checklist when no framework is recognised", () => {
    expect(renderSkeleton(frameworks.checklist, story, tests)).toEqual({
      path: "acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.md",
      content: `# Acceptance checklist: Reorder stories by drag and drop

Story \`sty_01jdq3m1k9x7v2b8c4n5r6t0yz\`. Scaffolded by AIPM from the story's Given/When/Then steps, because no test framework was recognised: tick an item once an automated test covers it.

- [ ] Dragging a story moves it
  - Given a backlog with stories A, B and C
  - And I am signed in as a product owner
  - When I drag C above A
  - Then the backlog reads C, A, B
  - And the order is saved
- [ ] Keyboard users can reorder too
  - Given a story is focused
  - When I press Alt+Up
  - Then it moves up one place
`,
    });
  });
});

describe("renderSkeleton: names", () => {
  it("is deterministic: the same input gives the same bytes", () => {
    for (const framework of Object.values(frameworks)) {
      const first = renderSkeleton(framework, story, tests);
      const again = renderSkeleton(framework, structuredClone(story), structuredClone(tests));
      expect(again).toEqual(first);
    }
  });

  it("gives two stories with one title two files, by the id suffix", () => {
    const other = { ...story, id: "sty_01jdq3m1k9x7v2b8c4n5r6t0z0" };
    for (const framework of Object.values(frameworks)) {
      expect(renderSkeleton(framework, other, tests).path).not.toBe(
        renderSkeleton(framework, story, tests).path,
      );
    }
  });

  it("makes file names ASCII and short whatever the title", () => {
    const long = { ...story, title: `Crème brûlée: ${"very ".repeat(40)}long title / with ../ slashes` };
    expect(renderSkeleton(frameworks.vitestTs, long, tests).path).toBe(
      "tests/acceptance/creme-brulee-very-very-very-very-very-very-very-very-very-n5r6t0yz.test.ts",
    );
    const symbols = { ...story, title: "🚀 !!! 🎉" };
    expect(renderSkeleton(frameworks.vitestTs, symbols, tests).path).toBe(
      "tests/acceptance/n5r6t0yz.test.ts",
    );
    expect(renderSkeleton(frameworks.junit, symbols, tests).path).toBe(
      "src/test/java/acceptance/StoryN5r6t0yzTest.java",
    );
    const digits = { ...story, title: "2 factor login" };
    expect(renderSkeleton(frameworks.go, digits, tests).content).toContain(
      "func TestStory2FactorLoginN5r6t0yz(",
    );
  });

  it("keeps test names unique where the language needs unique identifiers", () => {
    const repeated: SkeletonTest[] = [
      { title: "Saves", given: ["a"], when: ["b"], then: ["c"] },
      { title: "Saves!", given: ["a"], when: ["b"], then: ["c"] },
      { title: "Saves 2", given: ["a"], when: ["b"], then: ["c"] },
      { title: "😀", given: ["a"], when: ["b"], then: ["c"] },
    ];
    const python = renderSkeleton(frameworks.pytest, story, repeated).content;
    expect(python.match(/^def \w+/gm)).toEqual([
      "def test_saves",
      "def test_saves_2",
      "def test_saves_2_2",
      "def test_scenario_4",
    ]);
    const java = renderSkeleton(frameworks.junit, story, repeated).content;
    expect(java.match(/void \w+/g)).toEqual([
      "void testSaves",
      "void testSaves2",
      "void testSaves22",
      "void testScenario4",
    ]);
    const rust = renderSkeleton(frameworks.rust, story, repeated).content;
    expect(rust.match(/^fn \w+/gm)).toEqual([
      "fn test_saves",
      "fn test_saves_2",
      "fn test_saves_2_2",
      "fn test_scenario_4",
    ]);
  });

  it("says so when a test has no steps, and names an untitled one by its place", () => {
    const bare: SkeletonTest[] = [{ title: "  ", given: [], when: [" "], then: [] }];
    expect(renderSkeleton(frameworks.vitestTs, story, bare).content).toContain(
      '  it("Acceptance test 1", () => {\n    // No Given/When/Then steps written yet.\n',
    );
  });
});

describe("renderSkeleton: acceptance test ids in test names", () => {
  const withIds: SkeletonTest[] = tests.map((test, index) => ({
    ...test,
    id: ["act_01jdq3m1k9x7v2b8c4n5r6t0a1", "act_01jdq3m1k9x7v2b8c4n5r6t0b2"][index] ?? "",
  }));

  it.each([
    [
      "vitest",
      frameworks.vitestTs,
      'it("Dragging a story moves it [act_01jdq3m1k9x7v2b8c4n5r6t0a1]", () => {',
    ],
    [
      "jest",
      frameworks.jest,
      'it("Keyboard users can reorder too [act_01jdq3m1k9x7v2b8c4n5r6t0b2]", () => {',
    ],
    [
      "node:test",
      frameworks.nodeEsm,
      'it("Dragging a story moves it [act_01jdq3m1k9x7v2b8c4n5r6t0a1]", () => {',
    ],
    ["pytest", frameworks.pytest, "def test_dragging_a_story_moves_it_act_01jdq3m1k9x7v2b8c4n5r6t0a1():"],
    ["go", frameworks.go, 't.Run("Keyboard users can reorder too [act_01jdq3m1k9x7v2b8c4n5r6t0b2]", func'],
    ["cargo", frameworks.rust, "fn test_keyboard_users_can_reorder_too_act_01jdq3m1k9x7v2b8c4n5r6t0b2() {"],
    ["JUnit 5", frameworks.junit, "void testDraggingAStoryMovesIt_act_01jdq3m1k9x7v2b8c4n5r6t0a1() {"],
    [
      "the checklist",
      frameworks.checklist,
      "- [ ] Dragging a story moves it (`act_01jdq3m1k9x7v2b8c4n5r6t0a1`)",
    ],
  ])("%s: each test's name carries its acceptance test's id", (_, framework, line) => {
    expect(renderSkeleton(framework, story, withIds).content).toContain(line);
  });

  it("keeps the failure message to the title, and leaves out an id that is not an acceptance test's", () => {
    const content = renderSkeleton(frameworks.vitestTs, story, withIds).content;
    expect(content).toContain('throw new Error("Not implemented: Dragging a story moves it");');
    const odd = renderSkeleton(frameworks.vitestTs, story, [
      { ...tests[0], id: 'act_x"]); evil(); //' } as SkeletonTest,
    ]);
    expect(odd.content).toContain('it("Dragging a story moves it", () => {');
    expect(odd.content).not.toContain("evil");
  });
});
