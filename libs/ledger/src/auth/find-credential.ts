import { timingSafeEqual } from 'node:crypto';
import { type ApiCredential, sha256 } from './api-credentials.js';

/**
 * The credential whose token this is, or `null`. The presented token is hashed and compared
 * with every configured hash in constant time (all 32 bytes, no early exit over the list), so
 * timing tells nothing about which hash matched or how much of it.
 */
export function findCredential(
  credentials: readonly ApiCredential[],
  token: string,
): ApiCredential | null {
  const presented = sha256(token);
  let found: ApiCredential | null = null;
  for (const c of credentials) {
    if (timingSafeEqual(c.tokenSha256, presented) && found === null) found = c;
  }
  return found;
}
