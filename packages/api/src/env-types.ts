/**
 * @module env-types: the Hono environment shared by the app, its middleware and its routes.
 */
import type { TokenRole } from "@aipm/store";

/** Who is calling: resolved from the bearer token by the auth middleware. */
export interface Principal {
  tokenId: string;
  role: TokenRole;
  /** When set, the caller reaches only this project. */
  projectId: string | null;
}

export interface AppEnv {
  Variables: {
    principal: Principal;
  };
}
