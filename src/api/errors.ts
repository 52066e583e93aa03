/** Errors the api answers with a specific status; anything else is a 500. */
export class HttpError extends Error {
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    message: string,
    options: { body?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.body = options.body ?? {};
    this.headers = options.headers ?? {};
  }
}

/** Asks QStash not to retry: the same body would fail the same way. */
export const NON_RETRYABLE = { 'Upstash-NonRetryable-Error': 'true' };
