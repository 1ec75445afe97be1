/**
 * @module fake-github-git-http: the fake GitHub's git smart HTTP for `/<owner>/<name>.git/...`, as
 * github.com serves it: credentials first, then `git http-backend` on the folder of the bare
 * repositories, set up with the first git repository and removed on close when the fake made it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitHttpHandler, parseBasicAuthorization } from "@aipm/api";

interface GitServer {
  reposDir: string;
  serve: (req: IncomingMessage, res: ServerResponse) => void;
}

export class FakeGitHosting {
  /** Set up by the first git repository: its folder, and `git http-backend` serving it. */
  #server: Promise<GitServer> | undefined;
  readonly #reposDir: string | undefined;

  /** `reposDir`: where the bare repositories go; by default a temporary folder that `close()` removes. */
  constructor(reposDir: string | undefined) {
    this.#reposDir = reposDir;
  }

  /** The folder of the bare repositories, created and served from the first call on. */
  async reposDir(): Promise<string> {
    this.#server ??= (async () => {
      const reposDir = this.#reposDir ?? (await mkdtemp(join(tmpdir(), "fake-github-")));
      // Credentials are checked before a request gets here, for fetches as for pushes.
      return { reposDir, serve: gitHttpHandler({ reposDir, authorizePush: async () => true }) };
    })();
    return (await this.#server).reposDir;
  }

  /** Serves a git request, when given Basic credentials with `token` as the password (if set). */
  async serve(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
    const password = parseBasicAuthorization(req.headers.authorization)?.password;
    if (token !== undefined && password !== token) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Basic realm="GitHub"' });
      res.end("Invalid username or token. Password authentication is not supported for Git operations.\n");
      return;
    }
    if (!this.#server) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Repository not found.\n");
      return;
    }
    const { serve } = await this.#server;
    // The handler serves the local forge's paths, which start with /git.
    req.url = `/git${req.url ?? ""}`;
    serve(req, res);
  }

  /** Removes the folder of the bare repositories, if this made it. */
  async close(): Promise<void> {
    if (this.#server && this.#reposDir === undefined) {
      await rm((await this.#server).reposDir, { recursive: true, force: true });
    }
  }
}
