/**
 * What an API credential may do (CONTRACT.md section 2): `read` every GET and `/events`;
 * `issue` commands, cancels, fleet commands and their controls; `admin` groups (and the
 * operator tool's writes when they go through the API). A scope does not imply another: a
 * credential that issues and reads says `issue+read`.
 */
export const SCOPES = ['read', 'issue', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope =>
  (SCOPES as readonly string[]).includes(value);

/** `issuedBy` of what the ledger does by itself: sweeper, retries, dispatches. */
export const SYSTEM_PRINCIPAL = 'system';
/** `issuedBy` when no credentials are configured (the API is open). */
export const ANONYMOUS_PRINCIPAL = 'anonymous';
/** Names no credential may take: they would pass for the ledger itself or for no one. */
export const RESERVED_PRINCIPALS: readonly string[] = [SYSTEM_PRINCIPAL, ANONYMOUS_PRINCIPAL];
