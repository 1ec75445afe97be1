/**
 * @module secrets: a secret given directly (local mode) or read from AWS Secrets Manager by ARN.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const SECRET_CACHE_MS = 5 * 60_000;

/**
 * A secret given directly, or read from Secrets Manager by ARN and cached for five minutes (so a
 * rotated secret is picked up); `transform` turns it into what the caller keeps (the admin token
 * is kept only as its hash).
 */
export function secretSource(
  region: string,
  direct: string | undefined,
  arn: string | undefined,
  transform: (secret: string) => string = (secret) => secret,
): () => Promise<string | undefined> {
  if (direct) {
    const value = transform(direct);
    return async () => value;
  }
  if (!arn) return async () => undefined;
  const client = new SecretsManagerClient({ region });
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
