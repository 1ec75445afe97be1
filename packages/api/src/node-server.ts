/**
 * @module node-server: the API as a Node request listener, with the local forge's repositories
 * served for clone and push under `/git/`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app.ts";
import type { AppDeps } from "./deps.ts";
import { gitHttpHandler, parseBasicAuthorization } from "./forge/git-http.ts";
import type { RepositoryKey } from "./forge/local-pull-requests.ts";
import { hashToken } from "./store/tokens.ts";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Who may push to a local repository: the admin token, or an editor or admin token whose
 * project scope (if any) is a project on that repository. The token is the Basic password.
 */
export function authorizeLocalPush(deps: Pick<AppDeps, "tokens" | "projects" | "adminTokenHash">) {
  return async (authorization: string | undefined, repository: RepositoryKey): Promise<boolean> => {
    const password = parseBasicAuthorization(authorization)?.password;
    if (!password) return false;
    const hash = hashToken(password);
    if (hash === (await deps.adminTokenHash())) return true;
    const token = await deps.tokens.findByHash(hash);
    if (!token || token.role === "viewer") return false;
    if (token.projectId === null) return true;
    const project = await deps.projects.get(token.projectId);
    return (
      project?.repository.provider === "local" &&
      project.repository.owner === repository.owner &&
      project.repository.name === repository.name
    );
  };
}

/**
 * A Node listener for the app; with `reposDir`, `/git/<owner>/<name>.git/...` is served by
 * `git http-backend` for clone, fetch and (authorised) push.
 *
 * @example createServer(nodeListener(app, deps, { reposDir: ".aipm/repos" })).listen(4000);
 */
export function nodeListener(app: App, deps: AppDeps, options: { reposDir?: string } = {}): Listener {
  const api = getRequestListener(app.fetch);
  if (!options.reposDir) return api;
  const git = gitHttpHandler({
    reposDir: options.reposDir,
    authorizePush: authorizeLocalPush(deps),
    onError: (message, error) => deps.log.error(message, { error: String(error) }),
  });
  return (req, res) => (req.url?.startsWith("/git/") ? git(req, res) : api(req, res));
}
