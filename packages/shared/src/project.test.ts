import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "./ids.ts";
import {
  branchNameSchema,
  isValidBranchName,
  type Project,
  projectCreateSchema,
  projectSchema,
  projectUpdateSchema,
  repositoryNameSchema,
  repositoryOwnerSchema,
} from "./project.ts";

const repository = { provider: "github", owner: "octo-org", name: "web-app" } as const;

describe("projectCreateSchema", () => {
  it("applies the defaults", () => {
    expect(projectCreateSchema.parse({ name: "Web app", repository })).toEqual({
      name: "Web app",
      description: "",
      repository: { ...repository, defaultBranch: "main" },
      monthlyBudgetUsd: null,
      testCommand: null,
      maxRounds: 5,
      doneRequiresPassingTests: true,
      autoRounds: false,
    });
  });

  it("keeps given values and trims the name", () => {
    const parsed = projectCreateSchema.parse({
      name: "  Web app  ",
      description: "Line one\nLine two",
      repository: { ...repository, provider: "local", defaultBranch: "develop" },
    });
    expect(parsed.name).toBe("Web app");
    expect(parsed.description).toBe("Line one\nLine two");
    expect(parsed.repository).toEqual({ ...repository, provider: "local", defaultBranch: "develop" });
  });

  it.each([
    ["an unknown field", { name: "x", repository, owner: "me" }],
    ["an id", { id: newId("project"), name: "x", repository }],
    [
      "a cloneUrl, which is derived",
      { name: "x", repository: { ...repository, cloneUrl: "https://x.test/a.git" } },
    ],
    ["an unknown repository field", { name: "x", repository: { ...repository, private: true } }],
    ["an empty name", { name: "", repository }],
    ["a blank name", { name: "   ", repository }],
    ["a multi-line name", { name: "one\ntwo", repository }],
    ["a name with a carriage return", { name: "one\rtwo", repository }],
    ["a name of 201 characters", { name: "x".repeat(201), repository }],
    ["a description of 10,001 characters", { name: "x", description: "d".repeat(10_001), repository }],
    ["a numeric name", { name: 42, repository }],
    ["a null description", { name: "x", description: null, repository }],
    ["no repository", { name: "x" }],
    ["an unknown provider", { name: "x", repository: { ...repository, provider: "gitlab" } }],
    ["an invalid default branch", { name: "x", repository: { ...repository, defaultBranch: "a..b" } }],
    ["an array", [{ name: "x", repository }]],
  ])("rejects %s", (_, input) => {
    expect(projectCreateSchema.safeParse(input).success).toBe(false);
  });

  it("accepts a name of exactly 200 characters, counted after trimming", () => {
    expect(projectCreateSchema.safeParse({ name: ` ${"x".repeat(200)} `, repository }).success).toBe(true);
  });

  it("says an empty name must not be empty", () => {
    const result = projectCreateSchema.safeParse({ name: "", repository });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["name"], message: "must not be empty" }),
    ]);
  });
});

describe("projectUpdateSchema", () => {
  it("accepts a partial update, with or without a version", () => {
    expect(projectUpdateSchema.parse({})).toEqual({});
    expect(projectUpdateSchema.parse({ name: "New" })).toEqual({ name: "New" });
    expect(projectUpdateSchema.parse({ version: 3, repository: { defaultBranch: "trunk" } })).toEqual({
      version: 3,
      repository: { defaultBranch: "trunk" },
    });
  });

  it("accepts a test command, trimmed, and null to detect it again", () => {
    expect(projectUpdateSchema.parse({ testCommand: "  pnpm test -- --run " })).toEqual({
      testCommand: "pnpm test -- --run",
    });
    expect(projectUpdateSchema.parse({ testCommand: null })).toEqual({ testCommand: null });
    expect(projectUpdateSchema.parse({ testCommand: "x".repeat(500) }).testCommand).toHaveLength(500);
  });

  it.each([
    ["an unknown field", { colour: "red" }],
    ["a change of owner", { repository: { owner: "someone-else" } }],
    ["a cloneUrl", { repository: { defaultBranch: "main", cloneUrl: "https://x.test/a.git" } }],
    ["an empty name", { name: "" }],
    ["a multi-line name", { name: "a\nb" }],
    ["version 0", { version: 0 }],
    ["a fractional version", { version: 1.5 }],
    ["a version as a string", { version: "1" }],
    ["an invalid default branch", { repository: { defaultBranch: "-x" } }],
    ["a budget of zero", { monthlyBudgetUsd: 0 }],
    ["a budget as a string", { monthlyBudgetUsd: "10" }],
    ["an empty test command", { testCommand: "  " }],
    ["a test command of two lines", { testCommand: "npm test\nrm -rf ~" }],
    ["a test command with an escape character", { testCommand: "npm test\u001b[2J" }],
    ["a test command with a line separator", { testCommand: "npm test\u2028pytest" }],
    ["a test command of 501 characters", { testCommand: "x".repeat(501) }],
  ])("rejects %s", (_, input) => {
    expect(projectUpdateSchema.safeParse(input).success).toBe(false);
  });
});

describe("projectSchema", () => {
  const project: Project = {
    id: newId("project"),
    name: "Web app",
    description: "",
    repository: {
      provider: "github",
      owner: "octo-org",
      name: "web-app",
      defaultBranch: "main",
      cloneUrl: "https://github.com/octo-org/web-app.git",
    },
    monthlyBudgetUsd: null,
    testCommand: null,
    maxRounds: 5,
    doneRequiresPassingTests: true,
    autoRounds: false,
    createdAt: "2025-01-02T03:04:05.678Z",
    updatedAt: "2025-01-02T03:04:05.678Z",
    version: 1,
  };

  it("round-trips a stored project, also through JSON", () => {
    expect(projectSchema.parse(project)).toEqual(project);
    expect(projectSchema.parse(JSON.parse(JSON.stringify(project)))).toEqual(project);
  });

  it.each([
    ["no cloneUrl", { ...project, repository: { ...project.repository, cloneUrl: undefined } }],
    [
      "a cloneUrl that is not a URL",
      { ...project, repository: { ...project.repository, cloneUrl: "web-app" } },
    ],
    ["a story id", { ...project, id: newId("story") }],
    ["a date with an offset", { ...project, createdAt: "2025-01-02T03:04:05+02:00" }],
    ["a date only", { ...project, updatedAt: "2025-01-02" }],
    ["an unknown field", { ...project, deleted: false }],
    ["version 0", { ...project, version: 0 }],
  ])("rejects %s", (_, input) => {
    expect(projectSchema.safeParse(input).success).toBe(false);
  });
});

describe("repositoryOwnerSchema", () => {
  it.each(["a", "octocat", "Octo-Org", "a1-b2-c3", "0", "x".repeat(39)])("accepts %s", (owner) => {
    expect(repositoryOwnerSchema.safeParse(owner).success).toBe(true);
  });

  it.each([
    "",
    "-octo",
    "octo-",
    "oc--to",
    "octo_org",
    "octo.org",
    "octo org",
    "octo/org",
    "ôcto",
    "x".repeat(40),
    "octo\n",
  ])("rejects %j", (owner) => {
    expect(repositoryOwnerSchema.safeParse(owner).success).toBe(false);
  });
});

describe("repositoryNameSchema", () => {
  it.each(["a", "web-app", "web_app", "web.app", ".github", "..x", "A1", "x".repeat(100)])(
    "accepts %s",
    (name) => {
      expect(repositoryNameSchema.safeParse(name).success).toBe(true);
    },
  );

  it.each(["", ".", "..", "web-app.git", "web app", "web/app", "../etc", "wëb", "web\napp", "x".repeat(101)])(
    "rejects %j",
    (name) => {
      expect(repositoryNameSchema.safeParse(name).success).toBe(false);
    },
  );
});

describe("isValidBranchName", () => {
  // Outside any repository, so git checks the name alone rather than expanding `@{-1}` and the like.
  const cwd = mkdtempSync(join(tmpdir(), "aipm-branch-"));
  const env = { PATH: process.env.PATH ?? "", GIT_CEILING_DIRECTORIES: tmpdir() };
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  function gitAccepts(name: string): boolean {
    try {
      execFileSync("git", ["check-ref-format", "--branch", name], { cwd, env, stdio: "pipe" });
      return true;
    } catch {
      return false;
    }
  }

  const valid = [
    "main",
    "feature/x",
    "aipm/sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
    "a.b",
    "a-b_c",
    "v1.2.3",
    "x/y/z",
    "a/HEAD",
    "head",
    "a.lock.b",
    "lock",
    "a/b.locks",
    "release/v1.2_rc-1",
  ];
  /** Names git takes that a shell would not read as one plain word, or not ASCII: refused. */
  const unsafe = [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's `${IFS}` is the attack
    "main;touch${IFS}/tmp/x;#",
    "$(id)",
    "`id`",
    "a|b",
    "a&b",
    "a>b",
    "a'b",
    'a"b',
    "a@b",
    "a@",
    "a{b}",
    "naïve",
    "日本語",
    "#1",
    "a!b",
    "a%b",
    "a=b",
    "a,b",
    "a+b",
  ];
  const invalid = [
    "",
    "-",
    "-main",
    "HEAD",
    "/main",
    "main/",
    "a//b",
    "main.",
    "a/b.",
    "a..b",
    "..",
    ".hidden",
    "a/.hidden",
    "main.lock",
    "a/b.lock/c",
    "a@{b",
    "@{-1}",
    "a b",
    "a\tb",
    "a\nb",
    "a\u007fb",
    "a\u0001b",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a\\b",
  ];

  it.each(valid)("accepts %j, as git does", (name) => {
    expect(isValidBranchName(name)).toBe(true);
    expect(gitAccepts(name)).toBe(true);
  });

  it.each(invalid)("rejects %j, as git does", (name) => {
    expect(isValidBranchName(name)).toBe(false);
    expect(gitAccepts(name)).toBe(false);
  });

  it.each(unsafe)("rejects %j, which git accepts but a shell reads as more than a word", (name) => {
    expect(isValidBranchName(name)).toBe(false);
    expect(gitAccepts(name)).toBe(true);
    expect(branchNameSchema.safeParse(name).success).toBe(false);
  });

  it("rejects `@`, which git allows but means HEAD inside a repository", () => {
    expect(isValidBranchName("@")).toBe(false);
  });

  it("rejects a NUL byte, which no git argument can carry", () => {
    expect(isValidBranchName("a\u0000b")).toBe(false);
  });

  // Up to 300 git processes: the timeout leaves room for a slow CI machine.
  it("accepts only names git accepts", () => {
    const tricky = ["a", "b", "Z", "9", "/", "/", ".", ".", "-", "_", "lock", ".lock", "HEAD"];
    const forbidden = [" ", "~", "^", ":", "?", "*", "[", "\\", "\t", "\u007f", "é", "@", "{", "$", ";"];
    const nameArbitrary = fc.oneof(
      {
        arbitrary: fc
          .array(fc.constantFrom(...tricky), { minLength: 1, maxLength: 12 })
          .map((parts) => parts.join("")),
        weight: 4,
      },
      fc
        .array(fc.constantFrom(...tricky, ...forbidden), { minLength: 1, maxLength: 8 })
        .map((parts) => parts.join("")),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
    );
    let checkedWithGit = 0;
    fc.assert(
      fc.property(nameArbitrary, (name) => {
        if (!isValidBranchName(name)) return;
        checkedWithGit += 1;
        expect(gitAccepts(name), JSON.stringify(name)).toBe(true);
      }),
      // About one sample in six is a valid name: 600 runs put about 100 through git (300 put 49 once).
      { numRuns: 600 },
    );
    // The property says little unless a fair share of the samples reached git.
    expect(checkedWithGit).toBeGreaterThan(50);
  }, 30_000);

  it("is what branchNameSchema checks, within 200 characters", () => {
    expect(branchNameSchema.safeParse("feature/x").success).toBe(true);
    expect(branchNameSchema.safeParse("HEAD").success).toBe(false);
    expect(branchNameSchema.safeParse("x".repeat(200)).success).toBe(true);
    expect(branchNameSchema.safeParse("x".repeat(201)).success).toBe(false);
  });
});
