/**
 * The one error type the store throws for things a person can fix (a bad URL, a server that does
 * not answer, a data dir they cannot write, a bad retention setting). The message is one line that
 * names the input and what was expected; the underlying error, if any, is kept as `cause`.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
