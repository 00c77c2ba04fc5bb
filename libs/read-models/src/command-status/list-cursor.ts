/**
 * The list's cursor: the sort key (requested_at, command_id) of the last item of a page,
 * opaque to clients (base64url of a small JSON array). The next page is everything strictly
 * below it, so pages stay stable while newer commands are added above.
 */
export interface ListCursor {
  readonly requestedAt: string;
  readonly commandId: string;
}

const BASE64URL = /^[A-Za-z0-9_-]{1,400}$/;

export const encodeListCursor = ({ requestedAt, commandId }: ListCursor): string =>
  Buffer.from(JSON.stringify([requestedAt, commandId]), 'utf8').toString('base64url');

/** `null` for anything that is not a cursor this code made. */
export const decodeListCursor = (value: string): ListCursor | null => {
  if (!BASE64URL.test(value)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return null;
  const [requestedAt, commandId] = parsed as unknown[];
  if (typeof requestedAt !== 'string' || typeof commandId !== 'string') return null;
  const time = Date.parse(requestedAt);
  if (Number.isNaN(time) || new Date(time).toISOString() !== requestedAt) return null;
  if (commandId.length === 0 || commandId.length > 128) return null;
  return { requestedAt, commandId };
};

export const isListCursor = (value: unknown): value is string =>
  typeof value === 'string' && decodeListCursor(value) !== null;

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('after is not a cursor returned by this list (use the previous page\'s "next")');
  }
}
