/**
 * @module tokens: API tokens, kept only as SHA-256 hashes with their role and project scope.
 */
import { createHash, randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { type Dynamo, scanAll } from "./dynamo.ts";

export const tokenRoles = ["admin", "editor", "viewer"] as const;
export const tokenRoleSchema = z.enum(tokenRoles);
export type TokenRole = z.infer<typeof tokenRoleSchema>;

/** What the API knows about a token: never the token itself. */
export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  /** When set, the token reaches only this project. */
  projectId: string | null;
  createdAt: string;
  createdBy: string;
}

export interface TokenStore {
  findByHash(hash: string): Promise<TokenRecord | null>;
  create(hash: string, record: TokenRecord): Promise<void>;
  /** Every token; the table is small (one item per token), so a Scan is the honest read. */
  list(): Promise<TokenRecord[]>;
  /** Revokes a token by id; false when there is none. */
  revoke(id: string): Promise<boolean>;
}

/** A new random bearer token: `aipm_` and 43 URL-safe characters (256 bits). */
export function generateToken(): string {
  return `aipm_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function fromItem(item: Record<string, unknown>): TokenRecord {
  const { pk: _pk, ...record } = item;
  return record as unknown as TokenRecord;
}

export function dynamoTokenStore(dynamo: Dynamo): TokenStore {
  const TableName = dynamo.tables.tokens;
  const store: TokenStore = {
    async findByHash(hash) {
      const { Item } = await dynamo.doc.send(new GetCommand({ TableName, Key: { pk: hash } }));
      return Item ? fromItem(Item) : null;
    },
    async create(hash, record) {
      await dynamo.doc.send(
        new PutCommand({
          TableName,
          Item: { pk: hash, ...record },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },
    async list() {
      return (await scanAll(dynamo, TableName))
        .map(fromItem)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async revoke(id) {
      const match = (await scanAll(dynamo, TableName)).find((item) => item.id === id);
      if (!match) return false;
      await dynamo.doc.send(new DeleteCommand({ TableName, Key: { pk: match.pk } }));
      return true;
    },
  };

  return store;
}
