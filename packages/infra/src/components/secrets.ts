/**
 * @module components/secrets: the environment's secrets in Secrets Manager, from Pulumi config
 * secrets. Code receives their ARNs, never their values.
 */

import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as pulumi from "@pulumi/pulumi";
import { defaultSecretRecoveryWindowInDays } from "../defaults.ts";

export interface SecretsArgs {
  /** The GitHub token the API and workers use for repositories and pull requests. */
  githubToken: pulumi.Input<string>;
  /** The secret GitHub signs webhook deliveries with (`X-Hub-Signature-256`). */
  webhookSecret: pulumi.Input<string>;
  /** The API's admin bearer token (at least 16 characters). */
  apiToken: pulumi.Input<string>;
  /** The API's AI provider key (Anthropic, OpenAI), read by the API alone. Default: none, no secret. */
  aiApiKey?: pulumi.Input<string>;
  /**
   * Days a deleted secret stays recoverable; 0 deletes at once, so a re-created stack can reuse
   * the name. Default: {@link defaultSecretRecoveryWindowInDays}.
   */
  recoveryWindowInDays?: number;
  /** The environment, which names the model keys' secrets `aipm/<environment>/model/<KEY>`. */
  environment?: string;
  /**
   * Model provider keys the agents need (`ANTHROPIC_API_KEY`, ...): one secret each, created
   * without a value. The operator sets it (`aws secretsmanager put-secret-value`), so no key ever
   * passes through Pulumi's state. Default: none.
   */
  modelKeys?: readonly string[];
}

/**
 * Three Secrets Manager secrets (four with the AI provider's key), each with its current value,
 * and an empty secret per model key.
 *
 * @example new Secrets("aipm-dev-secrets", { githubToken: config.requireSecret("githubToken"), ... })
 */
export class Secrets extends pulumi.ComponentResource {
  readonly githubTokenArn: pulumi.Output<string>;
  readonly webhookSecretArn: pulumi.Output<string>;
  readonly apiTokenArn: pulumi.Output<string>;
  /** The AI provider key's secret ARN; undefined without a key. */
  readonly aiApiKeyArn: pulumi.Output<string> | undefined;
  /** Each model key's secret ARN, by the variable the agents read it as. */
  readonly modelKeyArns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:secrets:Secrets", name, {}, opts);
    const recoveryWindowInDays = args.recoveryWindowInDays ?? defaultSecretRecoveryWindowInDays;
    const secret = (suffix: string, description: string, value: pulumi.Input<string>) => {
      const resource = new secretsmanager.Secret(
        `${name}-${suffix}`,
        { description, recoveryWindowInDays },
        { parent: this },
      );
      new secretsmanager.SecretVersion(
        `${name}-${suffix}`,
        { secretId: resource.id, secretString: pulumi.secret(value) },
        { parent: this },
      );
      return resource.arn;
    };
    this.githubTokenArn = secret(
      "github-token",
      "AIPM: GitHub token for repositories and pull requests",
      args.githubToken,
    );
    this.webhookSecretArn = secret(
      "webhook-secret",
      "AIPM: GitHub webhook signing secret",
      args.webhookSecret,
    );
    this.apiTokenArn = secret("api-token", "AIPM: the API's admin bearer token", args.apiToken);
    this.aiApiKeyArn =
      args.aiApiKey === undefined
        ? undefined
        : secret("ai-api-key", "AIPM: the API's AI provider key (AI actions)", args.aiApiKey);
    this.modelKeyArns = {};
    const modelKeys = [...new Set(args.modelKeys ?? [])];
    if (modelKeys.length > 0 && !args.environment) {
      throw new Error("Secrets: model keys need the environment, which names their secrets.");
    }
    for (const key of modelKeys) {
      if (!/^[A-Z][A-Z0-9_]{0,99}$/.test(key)) {
        throw new Error(
          `Model key names are environment variable names like ANTHROPIC_API_KEY; got "${key}".`,
        );
      }
      this.modelKeyArns[key] = new secretsmanager.Secret(
        `${name}-model-${key.toLowerCase().replaceAll("_", "-")}`,
        {
          name: `aipm/${args.environment}/model/${key}`,
          description: `AIPM: ${key} for the agents; set its value with aws secretsmanager put-secret-value`,
          recoveryWindowInDays,
        },
        { parent: this },
      ).arn;
    }
    this.registerOutputs({
      githubTokenArn: this.githubTokenArn,
      webhookSecretArn: this.webhookSecretArn,
      apiTokenArn: this.apiTokenArn,
      aiApiKeyArn: this.aiApiKeyArn,
      modelKeyArns: this.modelKeyArns,
    });
  }
}
