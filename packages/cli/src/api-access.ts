/**
 * @module api-access: the API and token a task-watching command talks to: an environment or URL, or
 * by default the local `aipm start` on this machine, whose admin token is read from its data dir.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CliError } from "./commands.ts";
import { readOpsEnv } from "./ops-env.ts";
import { resolveTarget } from "./target.ts";

export interface ApiAccess {
  name: string;
  apiUrl: string;
  token: string;
}

const isLoopback = (url: string) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);

/**
 * Where to read tasks: `target` (an environment or URL), else `http://127.0.0.1:$PORT` (4000). The
 * token is `--token`, else `AIPM_API_TOKEN`, else, for a local API, `$AIPM_DATA_DIR/admin-token`.
 *
 * @example const { apiUrl, token } = await apiAccess(positionals[0], values.token, io);
 */
export async function apiAccess(
  target: string | undefined,
  token: string | undefined,
  io: { env: Record<string, string | undefined>; cwd?: string },
): Promise<ApiAccess> {
  const cwd = io.cwd ?? process.cwd();
  const resolved = target
    ? await resolveTarget(target, { cwd, env: io.env })
    : { name: "local", apiUrl: `http://127.0.0.1:${io.env.PORT?.trim() || "4000"}` };
  const given = token ?? readOpsEnv(io.env).apiToken;
  if (given) return { name: resolved.name, apiUrl: resolved.apiUrl, token: given };
  if (isLoopback(resolved.apiUrl)) {
    const file = resolve(cwd, io.env.AIPM_DATA_DIR?.trim() || ".aipm", "admin-token");
    const saved = await readFile(file, "utf8").then(
      (text) => text.trim(),
      () => "",
    );
    if (saved) return { name: resolved.name, apiUrl: resolved.apiUrl, token: saved };
  }
  throw new CliError("this needs an API token: pass --token or set AIPM_API_TOKEN.", 2);
}
