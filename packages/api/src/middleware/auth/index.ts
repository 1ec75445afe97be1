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
    const header = bearerHeader(c.req.header.bind(c.req));
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw ApiError.unauthorized(
        header
          ? "The Authorization header must be 'Bearer <token>'."
          : "This endpoint needs an API token: send 'Authorization: Bearer <token>'.",
      );
    }
    const principal = await resolvePrincipal(options, header);
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

/**
 * The request's bearer header. Behind CloudFront, origin access control signs the request in
 * `Authorization`; the edge function moves the caller's bearer token to `X-Aipm-Authorization` first.
 */
export function bearerHeader(header: (name: string) => string | undefined): string | undefined {
  return header("X-Aipm-Authorization") ?? header("Authorization");
}

/**
 * The principal a `Bearer <token>` header stands for now, or null when it is malformed, unknown or
 * revoked. A long request (a live event stream) calls it again to notice a revoked token.
 *
 * @example await resolvePrincipal({ tokens, adminTokenHash }, "Bearer aipm_...") // { tokenId, role, projectId }
 */
export async function resolvePrincipal(
  options: AuthOptions,
  header: string | undefined,
): Promise<Principal | null> {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const hash = hashToken(match[1]);
  const adminHash = await options.adminTokenHash();
  if (adminHash !== undefined && adminHash === hash) {
    return { tokenId: CONFIGURED_ADMIN_ID, role: "admin", projectId: null };
  }
  const record = await options.tokens.findByHash(hash);
  return record ? { tokenId: record.id, role: record.role, projectId: record.projectId } : null;
}

/** Throws 403 unless the principal has at least `role`. */
export function requireRole(principal: Principal, role: TokenRole): void {
  if (rank[principal.role] < rank[role]) {
    throw ApiError.forbidden(`This needs the ${role} role; the token has the ${principal.role} role.`);
  }
}

/**
 * Throws 404 when the principal is scoped to another project: to such a token, what lies outside
 * its project does not exist (a 403 would confirm that the id is real). `detail` is what the caller
 * says of an id it does not know, so that both answers read the same.
 *
 * @example requireProject(principal, task.projectId, `Task ${task.id} does not exist.`)
 */
export function requireProject(
  principal: Principal,
  projectId: string,
  detail = "It does not exist, or is outside the one project this token reaches.",
): void {
  if (!canReachProject(principal, projectId)) throw ApiError.notFound(detail);
}

/** Whether the principal may reach `projectId`: an unscoped token reaches every project. */
export function canReachProject(principal: Principal, projectId: string): boolean {
  return principal.projectId === null || principal.projectId === projectId;
}
