/**
 * @module auth: bearer-token authentication and the role and project-scope checks built on it.
 */

import { hashToken, type TokenRole, type TokenStore } from "@aipm/store";
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Principal } from "../../env-types.ts";
import { ApiError } from "../../errors.ts";

export interface AuthOptions {
  tokens: TokenStore;
  /** The hash of the configured admin token, when there is one (read lazily, cached by the caller). */
  adminTokenHash: () => Promise<string | undefined>;
}

const rank: Record<TokenRole, number> = { viewer: 0, editor: 1, admin: 2 };
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The id under which the configured admin token acts (it has no record in the store). */
export const CONFIGURED_ADMIN_ID = "configured-admin";

/**
 * Resolves `Authorization: Bearer <token>` to a principal; 401 without a valid token. Viewers may
 * only read (403 on any write).
 *
 * @example app.use("/api/*", auth({ tokens, adminTokenHash }))
 */
export function auth(options: AuthOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Behind CloudFront, origin access control signs the request in `Authorization`; the edge
    // function moves the caller's bearer token to `X-Aipm-Authorization` first.
    const header = c.req.header("X-Aipm-Authorization") ?? c.req.header("Authorization");
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw ApiError.unauthorized(
        header
          ? "The Authorization header must be 'Bearer <token>'."
          : "This endpoint needs an API token: send 'Authorization: Bearer <token>'.",
      );
    }
    const hash = hashToken(match[1]);
    let principal: Principal | null = null;
    const adminHash = await options.adminTokenHash();
    if (adminHash !== undefined && adminHash === hash) {
      principal = { tokenId: CONFIGURED_ADMIN_ID, role: "admin", projectId: null };
    } else {
      const record = await options.tokens.findByHash(hash);
      if (record) principal = { tokenId: record.id, role: record.role, projectId: record.projectId };
    }
    if (!principal) throw ApiError.unauthorized("The API token is not valid or was revoked.");
    if (!READ_METHODS.has(c.req.method) && principal.role === "viewer") {
      throw ApiError.forbidden(
        "This token has the viewer role, which can only read. Ask an admin for an editor token.",
      );
    }
    c.set("principal", principal);
    await next();
  };
}

/** Throws 403 unless the principal has at least `role`. */
export function requireRole(principal: Principal, role: TokenRole): void {
  if (rank[principal.role] < rank[role]) {
    throw ApiError.forbidden(`This needs the ${role} role; the token has the ${principal.role} role.`);
  }
}

/** Throws 403 when the principal is scoped to another project. */
export function requireProject(principal: Principal, projectId: string): void {
  if (principal.projectId !== null && principal.projectId !== projectId) {
    throw ApiError.forbidden(`This token is limited to project ${principal.projectId}.`);
  }
}
