/**
 * @module openai-errors: the error bodies OpenAI's APIs answer with, shared by the Chat Completions
 * and Responses fakes.
 */

/** `{ error: { message, type: "invalid_request_error", param, code } }`. */
export function openAiError(message: string, code: string | null, param: string | null = null): unknown {
  return { error: { message, type: "invalid_request_error", param, code } };
}

/** OpenAI's 401 body; a wrong key is shown by its last four characters only, as the API does. */
export function invalidKeyError(authorization: string | undefined): unknown {
  const key = authorization?.replace(/^Bearer\s+/i, "") ?? "";
  if (key === "")
    return openAiError(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      null,
    );
  return openAiError(
    `Incorrect API key provided: ${key.length > 8 ? `sk-...${key.slice(-4)}` : "sk-..."}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    "invalid_api_key",
  );
}
