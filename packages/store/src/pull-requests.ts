/**
 * @module pull-requests: the local forge's pull requests, numbered per repository, in DynamoDB.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, queryAll } from "./dynamo.ts";

/** Where a pull request stands. */
export type PullRequestState = "open" | "closed" | "merged";

/** A repository, as the pull-request store keys it. */
export interface RepositoryKey {
  owner: string;
  name: string;
}

export interface LocalPullRequest {
  owner: string;
  name: string;
  number: number;
  title: string;
  body: string;
  branch: string;
  baseBranch: string;
  state: PullRequestState;
  /** The head commit when the pull request was opened; the branch itself says where it is now. */
  headSha: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewLocalPullRequest {
  title: string;
  body: string;
  branch: string;
  baseBranch: string;
  headSha: string;
}

export interface LocalPullRequestStore {
  /** Records an open pull request under the repository's next number (1, 2, 3, ...). */
  create(repository: RepositoryKey, pullRequest: NewLocalPullRequest): Promise<LocalPullRequest>;
  /** The open pull request whose head is `branch`, if any (the lowest number if, oddly, several). */
  findOpenByBranch(repository: RepositoryKey, branch: string): Promise<LocalPullRequest | null>;
  get(repository: RepositoryKey, number: number): Promise<LocalPullRequest | null>;
  /**
   * Moves a pull request to `state`; null when there is no such pull request, or (with `from`)
   * when it is not in state `from` any more.
   */
  setState(
    repository: RepositoryKey,
    number: number,
    state: PullRequestState,
    from?: PullRequestState,
  ): Promise<LocalPullRequest | null>;
}

/**
 * The number of the item that counts a repository's pull requests: its `next` attribute is the
 * last number handed out. Pull requests start at 1, so 0 never names one.
 */
const COUNTER = 0;
const MAX_ATTEMPTS = 20;

const partitionKey = (repository: RepositoryKey) => `${repository.owner}/${repository.name}`;

function fromItem(item: Record<string, unknown>): LocalPullRequest {
  const { pk: _pk, ...pullRequest } = item;
  return pullRequest as unknown as LocalPullRequest;
}

/**
 * Pull requests in the `pullRequests` table: `pk` = "<owner>/<name>", `number` = 1, 2, 3, ...;
 * the item with number 0 is the repository's counter.
 *
 * A number is taken with one atomic update of the counter (`next = next + 1`, returning the new
 * value), so concurrent creators never get the same one and none waits on another. The pull
 * request is then written only where no item has that number yet; should that fail (a counter
 * lost or restored from an older backup), the next number is taken. A process dying between the
 * two writes leaves a gap in the numbering, never a duplicate. Single-item conditional writes
 * only: no transactions.
 *
 * @example const pullRequests = dynamoLocalPullRequestStore(dynamo);
 */
export function dynamoLocalPullRequestStore(
  dynamo: Dynamo,
  now: () => Date = () => new Date(),
): LocalPullRequestStore {
  const TableName = dynamo.tables.pullRequests;

  async function takeNumber(pk: string): Promise<number> {
    const { Attributes } = await dynamo.doc.send(
      new UpdateCommand({
        TableName,
        Key: { pk, number: COUNTER },
        UpdateExpression: "SET #next = if_not_exists(#next, :zero) + :one",
        ExpressionAttributeNames: { "#next": "next" },
        ExpressionAttributeValues: { ":zero": 0, ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(Attributes?.next);
  }

  return {
    async create(repository, pullRequest) {
      const pk = partitionKey(repository);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const number = await takeNumber(pk);
        const at = now().toISOString();
        const record: LocalPullRequest = {
          owner: repository.owner,
          name: repository.name,
          number,
          title: pullRequest.title,
          body: pullRequest.body,
          branch: pullRequest.branch,
          baseBranch: pullRequest.baseBranch,
          headSha: pullRequest.headSha,
          state: "open",
          createdAt: at,
          updatedAt: at,
        };
        try {
          await dynamo.doc.send(
            new PutCommand({
              TableName,
              Item: { pk, ...record },
              ConditionExpression: "attribute_not_exists(pk)",
            }),
          );
          return record;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      throw new Error(
        `No free pull-request number for ${pk} after ${MAX_ATTEMPTS} attempts: set the counter item (number 0) of ${pk} in ${TableName} to its highest pull-request number.`,
      );
    },

    async findOpenByBranch(repository, branch) {
      const [first] = await queryAll(
        dynamo,
        {
          TableName,
          KeyConditionExpression: "pk = :pk AND #number > :counter",
          FilterExpression: "#branch = :branch AND #state = :open",
          ExpressionAttributeNames: { "#number": "number", "#branch": "branch", "#state": "state" },
          ExpressionAttributeValues: {
            ":pk": partitionKey(repository),
            ":counter": COUNTER,
            ":branch": branch,
            ":open": "open",
          },
          ConsistentRead: true,
        },
        1,
      );
      return first ? fromItem(first) : null;
    },

    async get(repository, number) {
      if (!Number.isSafeInteger(number) || number <= COUNTER) return null;
      const { Item } = await dynamo.doc.send(
        new GetCommand({ TableName, Key: { pk: partitionKey(repository), number }, ConsistentRead: true }),
      );
      return Item ? fromItem(Item) : null;
    },

    async setState(repository, number, state, from) {
      if (!Number.isSafeInteger(number) || number <= COUNTER) return null;
      const guard = from === undefined ? {} : { ":from": from };
      try {
        const { Attributes } = await dynamo.doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: partitionKey(repository), number },
            UpdateExpression: "SET #state = :state, #updatedAt = :now",
            ConditionExpression: `attribute_exists(pk)${from === undefined ? "" : " AND #state = :from"}`,
            ExpressionAttributeNames: { "#state": "state", "#updatedAt": "updatedAt" },
            ExpressionAttributeValues: { ":state": state, ":now": now().toISOString(), ...guard },
            ReturnValues: "ALL_NEW",
          }),
        );
        return fromItem(Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return null;
        throw error;
      }
    },
  };
}
