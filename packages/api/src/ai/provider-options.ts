/**
 * @module ai/provider-options: what every provider is built from, and how a provider's failure
 * becomes an `AiError` that names the fix without the provider's credentials.
 */
import { AiError, type ProviderAnswer } from "./model.ts";

export type { Provider } from "./model.ts";

export interface ProviderOptions {
  model: string;
  /** The provider's API key; Bedrock takes the AWS credentials of the process instead. */
  apiKey?: string | undefined;
  /** Another endpoint than the provider's own: a gateway, a local server, a test's fake. */
  baseUrl?: string | undefined;
  /** How long one attempt may take. */
  timeoutMs: number;
  /** Retries of a 429 or 5xx answer (or a dropped connection), with the SDK's backoff. */
  maxRetries: number;
}

/**
 * What a streamed answer has said so far. Each provider feeds it the pieces its protocol sends;
 * the tool input's pieces also go to `onDelta` as they arrive.
 */
export class StreamedAnswer {
  /** Undefined until the model starts a tool call. */
  toolInput: string | undefined;
  text = "";
  refusal: string | undefined;
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;

  constructor(
    public model: string,
    private readonly onDelta: ((text: string) => void) | undefined,
  ) {}

  /** The model began its tool call (whose input may be empty). */
  startTool(): void {
    this.toolInput ??= "";
  }

  /** A piece of the tool input's JSON text. */
  toolPiece(piece: string): void {
    this.toolInput = (this.toolInput ?? "") + piece;
    if (piece) this.onDelta?.(piece);
  }

  /** A piece of the refusal's text. */
  refusalPiece(piece: string): void {
    this.refusal = (this.refusal ?? "") + piece;
  }

  answer(): ProviderAnswer {
    const { toolInput, text, refusal, inputTokens, outputTokens, cacheReadTokens, model } = this;
    return { toolInput, text, refusal, inputTokens, outputTokens, cacheReadTokens, model };
  }
}

/**
 * AWS exceptions (Bedrock's, also sent as events in the middle of a stream, without an HTTP
 * status), as the HTTP status whose hint fits them.
 */
const awsExceptionStatus: Record<string, number> = {
  ThrottlingException: 429,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelStreamErrorException: 502,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** A provider's failure as an `AiError`: a timeout, or what the provider answered, briefly. */
export function providerError(provider: string, error: unknown): AiError {
  if (error instanceof AiError) return error;
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout|timed out|aborted/i.test(`${name} ${message}`)) {
    return new AiError(
      "timeout",
      `${provider} did not answer in time. Try again, or raise AIPM_AI_TIMEOUT_MS.`,
    );
  }
  const status = (error as { status?: unknown; $metadata?: { httpStatusCode?: number } }).status;
  const httpStatus =
    typeof status === "number"
      ? status
      : (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const kind = httpStatus ?? awsExceptionStatus[name];
  const hint =
    kind === 401 || kind === 403
      ? " Check the API key (AIPM_AI_API_KEY) or, on Bedrock, the role's access to the model."
      : kind === 404
        ? " Check the model name (AIPM_AI_MODEL) and AIPM_AI_BASE_URL."
        : kind === 400
          ? " Check that the model (AIPM_AI_MODEL) supports tool use."
          : kind === 429
            ? " The provider is rate-limiting this deployment; try again in a minute."
            : kind !== undefined && kind >= 500
              ? " The provider had a problem of its own; try again in a minute."
              : "";
  const what = httpStatus ? ` (HTTP ${httpStatus})` : name in awsExceptionStatus ? ` (${name})` : "";
  const said = message.slice(0, 300).replace(/\.$/, "");
  return new AiError("failed", `${provider} failed${what}: ${said}.${hint}`);
}
