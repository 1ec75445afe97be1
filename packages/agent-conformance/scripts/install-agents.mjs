// Installs the pinned agent CLIs of agents/package-lock.json into agents/node_modules, unless they
// are there already. Not `npm ci`: npm leaves other platforms' optional packages (opencode's) out of
// the lockfile and `npm ci` then calls it out of sync; `npm install --no-save` follows the lockfile and
// leaves it as it is. No install scripts run; the two packages whose postinstall links their native
// binary from an optional dependency (no download) get it run explicitly.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const agents = join(dirname(fileURLToPath(import.meta.url)), "..", "agents");
const lock = JSON.parse(readFileSync(join(agents, "package-lock.json"), "utf8"));
const pinned = Object.entries(lock.packages[""].dependencies);

const installed = pinned.every(([name, version]) => {
  const manifest = join(agents, "node_modules", name, "package.json");
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).version === version;
});
const linked = ["claude", "opencode"].every((bin) => {
  try {
    execFileSync(join(agents, "node_modules", ".bin", bin), ["--version"], {
      stdio: "ignore",
      timeout: 30_000,
    });
    return true;
  } catch {
    return false;
  }
});

if (!installed || !linked) {
  const started = Date.now();
  // The CLIs declare Node 22 but run on 20 (each ships a native binary); pnpm passes engine-strict on.
  execFileSync(
    "npm",
    [
      "install",
      "--no-save",
      "--ignore-scripts",
      "--engine-strict=false",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
    ],
    {
      cwd: agents,
      stdio: "inherit",
    },
  );
  execFileSync(process.execPath, ["install.cjs"], {
    cwd: join(agents, "node_modules/@anthropic-ai/claude-code"),
  });
  execFileSync(process.execPath, ["postinstall.mjs"], { cwd: join(agents, "node_modules/opencode-ai") });
  console.log(
    `agent CLIs installed in ${Math.round((Date.now() - started) / 1000)} s: ${pinned.map(([n, v]) => `${n}@${v}`).join(", ")}`,
  );
}
