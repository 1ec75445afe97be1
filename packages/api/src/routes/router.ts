/**
 * @module router: the OpenAPIHono factory every route module uses, so that validation failures
 * become the same 400 problem everywhere.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env-types.ts";
import { ApiError, fieldErrors } from "../errors.ts";

const targets: Record<string, string> = {
  json: "request body",
  param: "path",
  query: "query string",
  header: "headers",
};

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = targets[result.target] ?? result.target;
        throw ApiError.badRequest(`The ${where} is not valid.`, fieldErrors(result.error));
      }
    },
  });
}
