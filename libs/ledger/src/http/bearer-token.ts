import { timingSafeEqual } from 'node:crypto';

export interface BearerRefusal {
  readonly message: string;
  /** RFC 6750 section 3: a 401 names the scheme it wants, so a client knows what to send. */
  readonly challenge: string;
}

/**
 * `null` when `header` carries one of `tokens` as a bearer token, otherwise why not and the
 * `WWW-Authenticate` challenge to answer with. Every configured token is compared in constant
 * time, so timing tells nothing about them.
 */
export function checkBearer(
  header: string | undefined,
  tokens: readonly string[],
): BearerRefusal | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) {
    return {
      message: 'an Authorization: Bearer <token> header is required',
      challenge: 'Bearer realm="ratchet"',
    };
  }
  const given = Buffer.from(match[1]!);
  const ok = tokens.some((t) => {
    const expected = Buffer.from(t);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return ok
    ? null
    : {
        message: 'the bearer token is not valid',
        challenge: 'Bearer realm="ratchet", error="invalid_token"',
      };
}

/**
 * The cookie a browser's `EventSource` (which cannot send headers) carries the token in, for
 * `GET /events` only. The console sets it with `Path=/events; SameSite=Strict` (and `Secure`
 * over HTTPS): never sent by another site, never to another route, never in a URL or a log.
 */
export const TOKEN_COOKIE = 'ratchet_token';

/** The token cookie as an `Authorization` header value, or `undefined` when there is none. */
export function bearerFromCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    try {
      const token = decodeURIComponent(part.slice(eq + 1).trim());
      return token ? `Bearer ${token}` : undefined;
    } catch {
      return undefined; // not percent-encoded as the console writes it: no token
    }
  }
  return undefined;
}
