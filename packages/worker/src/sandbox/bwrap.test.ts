import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bwrapArgs, readableDirs } from "./bwrap.ts";

let root: string;
let data: string;
let tools: string;
let cli: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "aipm-bwrap-"));
  data = join(root, "checkout", ".aipm");
  tools = join(root, "tools", "bin");
  cli = join(root, "home", ".npm-global", "lib", "node_modules", "agent-cli", "bin");
  for (const dir of [data, tools, cli, join(root, "checkout", "node_modules", ".bin")])
    await mkdir(dir, { recursive: true });
  await writeFile(join(cli, "agent"), "#!/bin/sh\n");
  await symlink(join(root, "checkout"), join(root, "link-to-checkout"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("readableDirs", () => {
  it("binds PATH's directories and the CLI's installation, resolved, and never what holds the data dir", () => {
    const path = [
      tools,
      "/",
      "bin",
      ".",
      join(root, "checkout"),
      `${join(root, "checkout")}/`,
      join(root, "link-to-checkout"),
      `${data}/..`,
      join(root, "checkout", "node_modules", ".bin"),
      join(root, "home", "bin-that-does-not-exist"),
      "/usr/bin",
    ].join(":");
    const dirs = readableDirs({ path, executable: join(cli, "agent") }, [data, join(root, "home")]);
    expect(dirs).toContain(tools);
    expect(dirs).toContain(join(root, "checkout", "node_modules", ".bin"));
    // The CLI's node_modules, although it is inside an excluded HOME: it holds the program, not HOME's secrets.
    expect(dirs).toContain(join(root, "home", ".npm-global", "lib", "node_modules"));
    for (const dir of dirs) {
      expect(dir.startsWith("/")).toBe(true);
      expect(data.startsWith(`${dir}/`) || data === dir, `${dir} would show the data dir`).toBe(false);
    }
    expect(dirs).not.toContain("/");
  });

  it("does not bind a PATH directory inside an excluded one", () => {
    expect(
      readableDirs({ path: join(root, "home", ".npm-global", "lib"), executable: null }, [
        join(root, "home"),
      ]),
    ).not.toContain(join(root, "home", ".npm-global", "lib"));
  });
});

describe("bwrapArgs", () => {
  it("leaves out a system directory that holds an excluded one, and forbids nested user namespaces", () => {
    const args = bwrapArgs(
      {
        worktree: join(root, "checkout"),
        home: join(root, "home"),
        socketDir: root,
        privateGit: { dir: root, link: join(root, "gitlink") },
        forwarder: join(root, "forwarder.mjs"),
        executable: null,
        path: "/usr/bin",
      },
      ["/etc/aipm-data"],
    );
    expect(args.join(" ")).not.toContain("--ro-bind /etc /etc");
    expect(args.join(" ")).toContain("--ro-bind /usr /usr");
    expect(args).toEqual(
      expect.arrayContaining(["--unshare-user", "--disable-userns", "--assert-userns-disabled"]),
    );
  });
});
