/**
 * @module routes/tokens: admins create, list and revoke API tokens. A token is shown once.
 */
import { newId, projectIdSchema, tokenIdSchema } from "@aipm/shared";
import { generateToken, hashToken, type TokenRecord, tokenRoleSchema } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import type { Principal } from "../env-types.ts";
import { ApiError } from "../errors.ts";
import { requireRole } from "../middleware/auth/index.ts";
import { createRouter } from "./router.ts";
import { commonProblems, jsonBody, jsonResponse, notFound } from "./schemas.ts";

const TokenSchema = z
  .object({
    id: tokenIdSchema,
    name: z.string(),
    role: tokenRoleSchema,
    projectId: projectIdSchema.nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi("Token");

const TokenCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: tokenRoleSchema,
    projectId: projectIdSchema.nullable().default(null),
  })
  .openapi("TokenCreate");

/** Token management needs an admin token that is not limited to one project. */
function requireTokenAdmin(principal: Principal): void {
  requireRole(principal, "admin");
  if (principal.projectId !== null) {
    throw ApiError.forbidden("Managing tokens needs an admin token that is not limited to one project.");
  }
}

export function tokenRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/tokens",
      tags: ["tokens"],
      summary: "List API tokens (admin)",
      responses: {
        200: jsonResponse(z.object({ tokens: z.array(TokenSchema) }), "The tokens"),
        ...commonProblems,
      },
    }),
    async (c) => {
      requireTokenAdmin(c.get("principal"));
      return c.json({ tokens: await deps.tokens.list() }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/tokens",
      tags: ["tokens"],
      summary: "Create an API token (admin); the token itself is in this response only",
      request: { body: jsonBody(TokenCreateSchema) },
      responses: {
        201: jsonResponse(TokenSchema.extend({ token: z.string() }), "The new token, with its secret"),
        ...commonProblems,
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireTokenAdmin(principal);
      const input = c.req.valid("json");
      if (input.projectId && !(await deps.projects.get(input.projectId))) {
        throw ApiError.badRequest(`Project ${input.projectId} does not exist.`, [
          { path: "projectId", message: "must be an existing project" },
        ]);
      }
      const token = generateToken();
      const record: TokenRecord = {
        id: newId("token"),
        name: input.name,
        role: input.role,
        projectId: input.projectId,
        createdAt: deps.now().toISOString(),
        createdBy: principal.tokenId,
      };
      await deps.tokens.create(hashToken(token), record);
      deps.log.info("token created", { tokenId: record.id, role: record.role, by: principal.tokenId });
      return c.json({ ...record, token }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/api/tokens/{tokenId}",
      tags: ["tokens"],
      summary: "Revoke an API token (admin)",
      request: { params: z.object({ tokenId: tokenIdSchema }) },
      responses: { 204: { description: "Revoked" }, ...commonProblems, ...notFound },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireTokenAdmin(principal);
      const { tokenId } = c.req.valid("param");
      if (!(await deps.tokens.revoke(tokenId))) throw ApiError.notFound(`Token ${tokenId} does not exist.`);
      deps.log.info("token revoked", { tokenId, by: principal.tokenId });
      return c.body(null, 204);
    },
  );

  return router;
}
