/**
 * @module secrets: a secret given directly (local mode) or read from AWS Secrets Manager by ARN.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { recordAwsCalls } from "./aws-call-log.ts";

const SECRET_CACHE_MS = 5 * 60_000;

/**
 * A secret given directly, or read from Secrets Manager by ARN and cached for five minutes (so a
 * rotated secret is picked up); `transform` turns it into what the caller keeps (the admin token
 * is kept only as its hash). `caller` is the process whose role reads it (`api`, `worker`), for the
 * record of AWS calls (aws-call-log.ts); an unlabelled read fails the IAM contract test.
 */
export function secretSource(
  region: string,
  direct: string | undefined,
  arn: string | undefined,
  transform: (secret: string) => string = (secret) => secret,
  caller = "unlabelled",
): () => Promise<string | undefined> {
  if (direct) {
    const value = transform(direct);
    return async () => value;
  }
  if (!arn) return async () => undefined;
  const client = recordAwsCalls(new SecretsManagerClient({ region }), "secretsmanager", caller);
  let cached: { value: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.value;
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString)
      throw new Error(`Secret ${arn} has no string value; store the secret as its SecretString.`);
    cached = { value: transform(SecretString.trim()), until: Date.now() + SECRET_CACHE_MS };
    return cached.value;
  };
}
