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
