/**
 * @module fuzz-operations: the operations the fuzzer draws its requests from, read from the API's
 * OpenAPI document: method, path template, path and query parameters, body schema, and whether
 * the operation needs a token.
 */
import type { QueryParameter } from "./fuzz-requests.ts";

export interface Operation {
  method: string;
  template: string;
  pathParameters: string[];
  query: QueryParameter[];
  bodySchema: string | null;
  isPublic: boolean;
  /** The operation's own body limit (`x-aipm-max-body-bytes`), where it is not the API's usual one. */
  maxBodyBytes: number | null;
}

/** Request bodies the OpenAPI document describes inline, recognised by their fields. */
const INLINE_BODIES: Record<string, string[]> = {
  CodeGenerationCreate: ["agent", "force", "instructions", "maxAttempts"],
  TaskRun: ["agent", "instructions", "maxAttempts"],
  RoundCreate: ["agent", "feedback", "instructions", "maxAttempts"],
};

export interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}

/** Every operation of the OpenAPI document, plus the documentation routes it does not list. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const found: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, spec] of Object.entries(item)) {
      const parameters = (spec.parameters ?? []) as {
        in: string;
        name: string;
        schema?: { enum?: string[] };
      }[];
      const schema = (
        spec.requestBody as { content?: Record<string, { schema?: Record<string, unknown> }> } | undefined
      )?.content?.["application/json"]?.schema;
      const fields = Object.keys((schema?.properties as object | undefined) ?? {}).sort();
      const inline = Object.entries(INLINE_BODIES).find(([, names]) => names.join() === fields.join())?.[0];
      found.push({
        method: method.toUpperCase(),
        template,
        pathParameters: parameters.filter((p) => p.in === "path").map((p) => p.name),
        query: parameters
          .filter((p) => p.in === "query")
          .map((p) => ({ name: p.name, ...(p.schema?.enum ? { enum: p.schema.enum } : {}) })),
        bodySchema: schema
          ? typeof schema.$ref === "string"
            ? (schema.$ref.split("/").at(-1) ?? null)
            : (inline ?? "inline")
          : null,
        isPublic: Array.isArray(spec.security) && spec.security.length === 0,
        maxBodyBytes:
          typeof spec["x-aipm-max-body-bytes"] === "number" ? spec["x-aipm-max-body-bytes"] : null,
      });
    }
  }
  const documentation = ["/api/openapi.json", "/api/docs"].map((template) => ({
    method: "GET",
    template,
    pathParameters: [],
    query: [],
    bodySchema: null,
    isPublic: true,
    maxBodyBytes: null,
  }));
  return [...found, ...documentation];
}
