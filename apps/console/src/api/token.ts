/**
 * The API token of this tab: kept in sessionStorage (gone with the tab), sent as
 * `Authorization: Bearer` by every request, and, for `GET /events` only (a browser's
 * EventSource cannot send headers), as the `ratchet_token` cookie the ledger accepts on that
 * one route: `Path=/events`, `SameSite=Strict`, `Secure` over HTTPS, no expiry.
 */
const KEY = 'ratchet.token';

export const readToken = (): string | null => sessionStorage.getItem(KEY);

export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = token
    ? `ratchet_token=${encodeURIComponent(token)}; Path=/events; SameSite=Strict${secure}`
    : `ratchet_token=; Path=/events; Max-Age=0; SameSite=Strict${secure}`;
}

/** A new tab of the same session has the token but not the cookie: set it again. */
export function restoreTokenCookie(): void {
  const token = readToken();
  if (token) saveToken(token);
}
