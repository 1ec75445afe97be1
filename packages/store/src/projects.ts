/**
 * @module projects: where projects are kept. One partition holds them all, so listing is a Query.
 */

import { type Project, roundLimits } from "@aipm/shared";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";

/** A project as stored: the clone URL is derived when it is read, never kept. */
export type StoredProject = Omit<Project, "repository"> & {
  repository: Omit<Project["repository"], "cloneUrl">;
};

export interface ProjectChanges {
  name?: string;
  description?: string;
  defaultBranch?: string;
  monthlyBudgetUsd?: number | null;
  testCommand?: string | null;
  maxRounds?: number;
  doneRequiresPassingTests?: boolean;
  autoRounds?: boolean;
}

/** The changes written as they are, each to the project's top-level attribute of the same name. */
const SETTINGS = [
  "name",
  "description",
  "monthlyBudgetUsd",
  "testCommand",
  "maxRounds",
  "doneRequiresPassingTests",
  "autoRounds",
] as const satisfies readonly (keyof ProjectChanges)[];

export interface ProjectStore {
  list(): Promise<StoredProject[]>;
  get(id: string): Promise<StoredProject | null>;
  /** Writes a new project; a `conflict` when its id is taken. */
  create(project: StoredProject): Promise<void>;
  /** Applies changes; with `expectedVersion`, only to that version (409 otherwise). */
  update(id: string, changes: ProjectChanges, now: string, expectedVersion?: number): Promise<StoredProject>;
  delete(id: string): Promise<void>;
}

const PARTITION = "PROJECTS";

function fromItem(item: Record<string, unknown>): StoredProject {
  const { pk: _pk, sk: _sk, ...project } = item;
  // Projects stored before these settings existed: no budget, a detected test command, the
  // default rounds, and Done needs passing tests.
  return {
    monthlyBudgetUsd: null,
    testCommand: null,
    maxRounds: roundLimits.default,
    doneRequiresPassingTests: true,
    autoRounds: false,
    ...project,
  } as StoredProject;
}

export function dynamoProjectStore(dynamo: Dynamo): ProjectStore {
  const TableName = dynamo.tables.projects;
  return {
    async list() {
      const items = await queryAll(dynamo, {
        TableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": PARTITION },
      });
      return items.map(fromItem);
    },

    async get(id) {
      const { Item } = await dynamo.doc.send(
        new GetCommand({ TableName, Key: { pk: PARTITION, sk: id }, ConsistentRead: true }),
      );
      return Item ? fromItem(Item) : null;
    },

    async create(project) {
      try {
        await dynamo.doc.send(
          new PutCommand({
            TableName,
            Item: { pk: PARTITION, sk: project.id, ...project },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        throw StoreError.conflict(`Project ${project.id} already exists.`);
      }
    },

    async update(id, changes, now, expectedVersion) {
      const names: Record<string, string> = { "#version": "version", "#updatedAt": "updatedAt" };
      const values: Record<string, unknown> = { ":one": 1, ":now": now };
      const sets = ["#updatedAt = :now"];
      for (const field of SETTINGS) {
        if (changes[field] === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = changes[field];
        sets.push(`#${field} = :${field}`);
      }
      if (changes.defaultBranch !== undefined) {
        names["#repository"] = "repository";
        names["#defaultBranch"] = "defaultBranch";
        values[":defaultBranch"] = changes.defaultBranch;
        sets.push("#repository.#defaultBranch = :defaultBranch");
      }
      let condition = "attribute_exists(pk)";
      if (expectedVersion !== undefined) {
        values[":expected"] = expectedVersion;
        condition += " AND #version = :expected";
      }
      try {
        const { Attributes } = await dynamo.doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: PARTITION, sk: id },
            UpdateExpression: `SET ${sets.join(", ")} ADD #version :one`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        );
        return fromItem(Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          const { Item } = await dynamo.doc.send(
            new GetCommand({ TableName, Key: { pk: PARTITION, sk: id } }),
          );
          if (!Item) throw StoreError.notFound(`Project ${id} does not exist.`);
          throw new StoreError(
            "stale_version",
            `Project ${id} changed since you read it (you sent version ${expectedVersion}). Reload it and apply your change again.`,
          );
        }
        throw error;
      }
    },

    async delete(id) {
      await dynamo.doc.send(new DeleteCommand({ TableName, Key: { pk: PARTITION, sk: id } }));
    },
  };
}

/**
 * The project as the API returns it, with its derived clone URL: on GitHub (`githubWebUrl`), or
 * on the local forge served under `<publicUrl>/git`.
 */
export function presentProject(
  project: StoredProject,
  urls: { publicUrl: string; githubWebUrl: string },
): Project {
  const { provider, owner, name } = project.repository;
  const base = provider === "github" ? urls.githubWebUrl : `${urls.publicUrl}/git`;
  return {
    ...project,
    repository: { ...project.repository, cloneUrl: `${base.replace(/\/$/, "")}/${owner}/${name}.git` },
  };
}
