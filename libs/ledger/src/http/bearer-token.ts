import { type ApiCredential, findCredential } from '../auth/index.js';

export interface BearerRefusal {
  readonly message: string;
  /** RFC 6750 section 3: a 401 names the scheme it wants, so a client knows what to send. */
  readonly challenge: string;
}

export type BearerCheck =
  | { readonly ok: true; readonly credential: ApiCredential }
  | ({ readonly ok: false } & BearerRefusal);

/**
 * The credential whose bearer token `header` carries, or why there is none and the
 * `WWW-Authenticate` challenge to answer with. The token is hashed and compared with every
 * configured hash in constant time (findCredential); it is never logged or echoed.
 */
export function checkBearer(
  header: string | undefined,
  credentials: readonly ApiCredential[],
): BearerCheck {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) {
    return {
      ok: false,
      message: 'an Authorization: Bearer <token> header is required',
      challenge: 'Bearer realm="ratchet"',
    };
  }
  const credential = findCredential(credentials, match[1]!);
  return credential
    ? { ok: true, credential }
    : {
        ok: false,
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
