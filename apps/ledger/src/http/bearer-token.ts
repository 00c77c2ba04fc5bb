import { timingSafeEqual } from 'node:crypto';

/**
 * `null` when `header` carries one of `tokens` as a bearer token, otherwise what is wrong.
 * Every configured token is compared in constant time, so timing tells nothing about them.
 */
export function bearerProblem(
  header: string | undefined,
  tokens: readonly string[],
): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return 'an Authorization: Bearer <token> header is required';
  const given = Buffer.from(match[1]!);
  const ok = tokens.some((t) => {
    const expected = Buffer.from(t);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return ok ? null : 'the bearer token is not valid';
}
