/**
 * @module router: the OpenAPIHono factory every route module uses, so that validation failures
 * become the same problem everywhere (400, or 422 for a field past its size limit).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env-types.ts";
import { invalidInput } from "../errors.ts";

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
        throw invalidInput(where, result.error);
      }
    },
  });
}
