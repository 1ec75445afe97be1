/**
 * @module seed: the demo project a first start creates, through the API like any client would.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runGit } from "@aipm/git";

type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

interface DemoStory {
  title: string;
  asA: string;
  iWant: string;
  soThat: string;
  storyPoints: number;
  components: string[];
  tests: { title: string; given: string[]; when: string[]; then: string[] }[];
  children?: DemoStory[];
}

const demoStories: DemoStory[] = [
  {
    title: "Browse the catalogue",
    asA: "shopper",
    iWant: "to see every product with its price",
    soThat: "I can choose what to buy",
    storyPoints: 3,
    components: ["catalogue"],
    tests: [
      {
        title: "Products are listed with prices",
        given: ["the catalogue holds 3 products"],
        when: ["I open the catalogue"],
        then: ["I see 3 products", "each shows its price in euros"],
      },
    ],
    children: [
      {
        title: "Filter the catalogue by category",
        asA: "shopper",
        iWant: "to filter products by category",
        soThat: "I find what I need quickly",
        storyPoints: 2,
        components: ["catalogue"],
        tests: [
          {
            title: "Only matching products are shown",
            given: ["products in the categories 'tea' and 'coffee'"],
            when: ["I choose the category 'tea'"],
            then: ["I see only tea products"],
          },
        ],
      },
    ],
  },
  {
    title: "Add a product to the cart",
    asA: "shopper",
    iWant: "to add a product to my cart",
    soThat: "I can buy several products at once",
    storyPoints: 2,
    components: ["cart"],
    tests: [
      {
        title: "The cart shows the product",
        given: ["an empty cart"],
        when: ["I add 'Green tea' to the cart"],
        then: ["the cart shows 1 item", "the total equals the price of 'Green tea'"],
      },
      {
        title: "Adding twice increases the quantity",
        given: ["a cart with 1 'Green tea'"],
        when: ["I add 'Green tea' again"],
        then: ["the cart shows quantity 2 for 'Green tea'"],
      },
    ],
  },
];

/**
 * The demo repository's first files: a tiny Node project tested with Node's own `node --test`, so
 * the scaffold agent has a framework to write for and the worker can run its tests offline, with
 * nothing to install: the skeletons fail first, and an agent that implements the cart makes them pass.
 */
const demoFiles: Record<string, string> = {
  "package.json": `${JSON.stringify(
    {
      name: "demo-shop",
      private: true,
      type: "module",
      scripts: { test: "node --test" },
    },
    null,
    2,
  )}\n`,
  "src/cart.js": "export function addToCart(cart, product) {\n  return [...cart, product];\n}\n",
  "README.md": "# Demo shop\n\nThe demo project of AIPM: stories about a small web shop.\n",
};

/** Commits the demo files onto the repository's default branch through the local forge's HTTP remote. */
async function pushDemoFiles(cloneUrl: string, token: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "aipm-seed-"));
  const auth = `http.extraHeader=Authorization: Basic ${Buffer.from(`aipm:${token}`).toString("base64")}`;
  const env = {
    HOME: dir,
    GIT_AUTHOR_NAME: "AIPM demo",
    GIT_AUTHOR_EMAIL: "demo@aipm.local",
    GIT_COMMITTER_NAME: "AIPM demo",
    GIT_COMMITTER_EMAIL: "demo@aipm.local",
  };
  try {
    await runGit(["clone", "--quiet", cloneUrl, "repo"], { cwd: dir, env, config: [auth] });
    const repo = join(dir, "repo");
    for (const [path, content] of Object.entries(demoFiles)) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(join(repo, path), content);
    }
    await runGit(["add", "--all"], { cwd: repo, env });
    await runGit(["commit", "--quiet", "-m", "Demo shop: a tiny Node project"], { cwd: repo, env });
    await runGit(["push", "--quiet", "origin", "HEAD"], { cwd: repo, env, config: [auth] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Creates the demo project with its repository and stories.
 *
 * @example await seedDemo(api, token, (line) => console.log(line));
 */
export async function seedDemo(api: Api, token: string, say: (line: string) => void): Promise<string> {
  const existing = (await api("GET", "/api/projects")).projects as {
    id: string;
    repository: Record<string, string>;
  }[];
  const demo = existing.find(
    (project) =>
      project.repository.provider === "local" &&
      project.repository.owner === "demo" &&
      project.repository.name === "shop",
  );
  if (demo) {
    // A first start that stopped half-way through seeding: the demo is there, do not make another.
    say("seeding     demo project already exists");
    return demo.id;
  }
  say("seeding     demo project 'Demo shop' (repository demo/shop)");
  const project = await api("POST", "/api/projects", {
    name: "Demo shop",
    description: "A small web shop: the demo project AIPM creates on its first start.",
    repository: { provider: "local", owner: "demo", name: "shop", defaultBranch: "main" },
  });
  const repository = project.repository as { cloneUrl: string };
  await pushDemoFiles(repository.cloneUrl, token);
  let count = 0;
  const create = async (story: DemoStory, parentId: string | null) => {
    const { tests, children, ...fields } = story;
    const created = await api("POST", `/api/projects/${project.id}/stories`, { ...fields, parentId });
    for (const test of tests) await api("POST", `/api/stories/${created.id}/acceptance-tests`, test);
    count++;
    for (const child of children ?? []) await create(child, String(created.id));
  };
  for (const story of demoStories) await create(story, null);
  say(`seeding     ${count} stories with acceptance tests: done`);
  return String(project.id);
}
