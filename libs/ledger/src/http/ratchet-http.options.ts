import type { ApiCredential } from '../auth/api-credentials.js';
import type { ApiCredentialRegistry } from '../auth/credential-registry.js';

/** What `RatchetHttpModule.forRoot` takes. */
export interface RatchetHttpOptions {
  /**
   * Named, scoped API credentials (LEDGER_API_CREDENTIALS; `parseApiCredentials` reads that
   * format): when any is set, every Ratchet route but health needs a token (`401` without or
   * with an unknown one, `403` outside the credential's scopes), and the credential's name is
   * recorded as `metadata.issuedBy`. A registry may be given instead, to replace the set while
   * running (the standalone service does on SIGHUP). Empty or omitted: Ratchet's routes are
   * open and callers are `anonymous` — put them behind the host's own guard then, which may
   * name the caller with `setCaller(request, name)`.
   */
  readonly credentials?: readonly ApiCredential[] | ApiCredentialRegistry;
  /** Deprecated (LEDGER_API_TOKENS): bearer tokens, each an unnamed credential with every scope. */
  readonly apiTokens?: readonly string[];
}

export const RATCHET_HTTP_OPTIONS = Symbol('RATCHET_HTTP_OPTIONS');
