export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Rejects with `timeoutError()` (a TimeoutError by default) when the promise has not settled
 * within ms; the timer never outlives it.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  timeoutError: () => Error = () => new TimeoutError(`no answer within ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
