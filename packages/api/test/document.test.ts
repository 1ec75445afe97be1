/**
 * GET /api/projects/{id}/document: the requirements document of a project or a subtree, as
 * Markdown and as a print-ready HTML page whose user text cannot run or inject anything.
 */
import { createHash } from "node:crypto";
import { newId } from "@aipm/shared";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createAcceptanceTest,
  createStory,
  createToken,
  expectJson,
  expectProblem,
  type Project,
  type StoryDetail,
} from "./fixtures.ts";
import { api, type CodeGeneration, finish, generate, storyWithTests, useTaskApi } from "./task-support.ts";

useTaskApi();

const HOSTILE = "<script>alert(1)</script>";
let project: Project;
let checkout: StoryDetail;
let card: StoryDetail;
let generation: CodeGeneration;

beforeAll(async () => {
  ({ project, story: card } = await storyWithTests());
  checkout = await createStory(api, project.id, {
    title: "Checkout",
    description: "Everything between the cart and the receipt.\n# not a heading",
    storyPoints: 5,
  });
  card = await expectJson<StoryDetail>(
    await api.request("PATCH", `/api/stories/${card.id}`, {
      body: { version: card.version, parentId: checkout.id, storyPoints: 3, components: ["payments"] },
    }),
    200,
  );
  const hostile = await createStory(api, project.id, {
    title: HOSTILE,
    parentId: card.id,
    asA: '"><img src=x onerror=alert(2)>',
    description: "line one\n<iframe src=//evil>",
  });
  await createAcceptanceTest(api, hostile.id, { title: `${HOSTILE} | pipe`, given: ["<b>bold</b>"] });
  await createStory(api, project.id, { title: "Search", status: "Done", storyPoints: null });
  generation = await expectJson<CodeGeneration>(await generate(card.id), 202);
  await finish(generation.task.id, "fail");
  const [charged, declined] = card.acceptanceTests;
  await api.deps.stories.recordTestResults(
    project.id,
    card.id,
    [
      { testId: charged?.id ?? "", result: "Pass" },
      { testId: declined?.id ?? "", result: "Fail" },
    ],
    { taskId: generation.task.id, commit: "f".repeat(40), at: "2026-12-02T08:00:00.000Z" },
  );
});

const documentOf = (query: string, token?: string) =>
  api.request("GET", `/api/projects/${project.id}/document${query}`, token ? { token } : {});

describe("GET /api/projects/{projectId}/document as Markdown", () => {
  it("has a heading per story following the tree, each story's narrative, facts and tests, and the open risks", async () => {
    const response = await documentOf("");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="requirements-${project.id}.md"`,
    );
    const text = await response.text();
    const headings = text.split("\n").filter((line) => line.startsWith("#"));
    expect(headings).toEqual([
      `# Requirements: ${project.name}`,
      "## 1 Checkout",
      "### 1.1 Pay by card",
      "#### 1.1.1 \\<script\\>alert(1)\\</script\\>",
      "## 2 Search",
      "## Open risks",
      "### INVEST warnings of stories not yet Done",
      "### Failing acceptance tests",
      "### Stories without acceptance tests",
    ]);
    expect(text).toContain("Everything between the cart and the receipt.\\\n\\# not a heading");
    expect(text).toContain("**Status:** In Progress · **Points:** 3 · **Components:** payments");
    expect(text).toContain("**As a** shopper\\\n**I want** to pay by card\\\n**So that** I get my order");
    expect(text).toContain(
      `1. **A valid card is charged**: Pass; last run Pass at 2026-12-02T08:00:00.000Z, [pull request #${generation.pullRequest.number}](${generation.pullRequest.url}), commit \`ffffffffffff\``,
    );
    expect(text).toContain(
      "   - *Given* a cart of 2 items\n   - *When* I pay with a valid card\n   - *Then* the card is charged the total",
    );
    expect(text).toContain(
      "1. **\\<script\\>alert(1)\\</script\\> \\| pipe**: Draft; never run\n   - *Given* \\<b\\>bold\\</b\\>",
    );

    const risks = text.slice(text.indexOf("## Open risks"));
    expect(risks).toContain(
      "- **1.1.1 \\<script\\>alert(1)\\</script\\>**: Estimable: The story has no estimate.",
    );
    expect(risks).toContain(
      "- **1.1 Pay by card**: A declined card shows why (last run Fail at 2026-12-02T08:00:00.000Z",
    );
    expect(risks).toMatch(
      /### Stories without acceptance tests\n\n- \*\*1 Checkout\*\*\n- \*\*2 Search\*\*\n$/,
    );
    // Search is Done: its missing estimate is no longer an open risk.
    expect(risks).not.toMatch(/2 Search\*\*: Estimable/);
    expect(text).toContain("4 stories, 3 acceptance tests (1 passing, 1 failing, 1 never run)");
  });

  it("covers one story's subtree, numbered from it, when asked", async () => {
    const text = await (await documentOf(`?storyId=${card.id}`)).text();
    expect(text.split("\n").filter((line) => /^#{2,6} \d/.test(line))).toEqual([
      "## 1 Pay by card",
      "### 1.1 \\<script\\>alert(1)\\</script\\>",
    ]);
    expect(text).toContain("Only Checkout \\> Pay by card and the stories under it.");
    expect(text).not.toContain("Search");
  });
});

describe("GET /api/projects/{projectId}/document as HTML", () => {
  it("is one page with no script, its user text escaped, under a policy that allows its own stylesheet only", async () => {
    const response = await documentOf("?format=html");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(
      `inline; filename="requirements-${project.id}.html"`,
    );
    const html = await response.text();
    expect(html).not.toMatch(/<script|<iframe|<img/i);
    expect(html).toContain("<h4>1.1.1 &lt;script&gt;alert(1)&lt;/script&gt;</h4>");
    expect(html).toContain("<b>As a</b> &quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
    expect(html).toContain("line one<br>\n&lt;iframe src=//evil&gt;");
    expect(html).toContain(
      `<a href="${generation.pullRequest.url}">pull request #${generation.pullRequest.number}</a>`,
    );

    const policy = response.headers.get("Content-Security-Policy") ?? "";
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const hash = createHash("sha256").update(style).digest("base64");
    expect(policy).toBe(
      `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(policy).not.toMatch(/script-src|unsafe-inline/);
    expect(style).toContain("@media print");
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${policy.replace("; frame-ancestors 'none'", "")}">`,
    );
  });
});

describe("GET /api/projects/{projectId}/document: errors and access", () => {
  it("refuses a malformed format or story with 400, and a story of another project with 404", async () => {
    await expectProblem(await documentOf("?format=pdf"), 400);
    await expectProblem(await documentOf("?storyId=sty_nope"), 400);
    await expectProblem(await documentOf(`?storyId=${newId("story")}`), 404);
  });

  it("is read by a viewer of the project, and 404 to a token limited to another project", async () => {
    const viewer = await createToken(api, "viewer", project.id);
    expect((await documentOf("", viewer.token)).status).toBe(200);
    const { project: other } = await storyWithTests();
    const outsider = await createToken(api, "viewer", other.id);
    await expectProblem(await documentOf("?format=html", outsider.token), 404);
  });
});
