import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamo, type Dynamo, ensureTables } from "./dynamo.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";
import { dynamoLocalPullRequestStore, type LocalPullRequestStore } from "./pull-requests.ts";

let local: LocalDynamo;
let dynamo: Dynamo;
let store: LocalPullRequestStore;

beforeAll(async () => {
  local = await startLocalDynamo();
  dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `prs${process.pid}`);
  await ensureTables(dynamo);
  store = dynamoLocalPullRequestStore(dynamo, () => new Date("2030-01-02T03:04:05.000Z"));
});
afterAll(() => local.close());

let repoCounter = 0;
const newRepo = () => ({ owner: "acme", name: `repo-${++repoCounter}` });
const pr = (branch: string) => ({
  title: `PR ${branch}`,
  body: "",
  branch,
  baseBranch: "main",
  headSha: "a".repeat(40),
});

describe("dynamoLocalPullRequestStore", () => {
  it("numbers pull requests 1, 2, 3 per repository and reads them back", async () => {
    const shop = newRepo();
    const blog = newRepo();
    const first = await store.create(shop, pr("aipm/one"));
    const second = await store.create(shop, pr("aipm/two"));
    const other = await store.create(blog, pr("aipm/one"));
    expect([first.number, second.number, other.number]).toEqual([1, 2, 1]);
    expect(first).toEqual({
      owner: shop.owner,
      name: shop.name,
      number: 1,
      title: "PR aipm/one",
      body: "",
      branch: "aipm/one",
      baseBranch: "main",
      headSha: "a".repeat(40),
      state: "open",
      createdAt: "2030-01-02T03:04:05.000Z",
      updatedAt: "2030-01-02T03:04:05.000Z",
    });
    expect(await store.get(shop, 2)).toEqual(second);
    expect(await store.get(shop, 3)).toBeNull();
    expect(await store.get(shop, 0)).toBeNull();
  });

  it("gives 10 concurrent creations 10 different, consecutive numbers", async () => {
    const repo = newRepo();
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.create(repo, pr(`aipm/b${i}`))),
    );
    expect(created.map((p) => p.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const p of created) expect((await store.get(repo, p.number))?.branch).toBe(p.branch);
  });

  it("finds the open pull request of a branch, and none once it is closed or merged", async () => {
    const repo = newRepo();
    await store.create(repo, pr("aipm/other"));
    const open = await store.create(repo, pr("aipm/feature"));
    expect(await store.findOpenByBranch(repo, "aipm/feature")).toEqual(open);
    expect(await store.findOpenByBranch(repo, "aipm/missing")).toBeNull();

    const merged = await store.setState(repo, open.number, "merged");
    expect(merged?.state).toBe("merged");
    expect(await store.findOpenByBranch(repo, "aipm/feature")).toBeNull();

    const reopened = await store.create(repo, pr("aipm/feature"));
    expect(reopened.number).toBe(3);
    expect((await store.findOpenByBranch(repo, "aipm/feature"))?.number).toBe(3);
  });

  it("setState of a pull request that does not exist is null and creates nothing", async () => {
    const repo = newRepo();
    expect(await store.setState(repo, 5, "closed")).toBeNull();
    expect(await store.get(repo, 5)).toBeNull();
  });

  it("setState with `from` moves only a pull request still in that state", async () => {
    const repo = newRepo();
    const open = await store.create(repo, pr("aipm/guarded"));
    expect((await store.setState(repo, open.number, "merged", "open"))?.state).toBe("merged");
    expect(await store.setState(repo, open.number, "closed", "open")).toBeNull();
    expect((await store.get(repo, open.number))?.state).toBe("merged");
  });
});
