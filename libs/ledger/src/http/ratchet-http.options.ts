/** What `RatchetHttpModule.forRoot` takes. */
export interface RatchetHttpOptions {
  /**
   * Bearer tokens (LEDGER_API_TOKENS): when any is set, every Ratchet route but health needs
   * one (`401` without). Empty or omitted: Ratchet's routes are open — put them behind the
   * host's own guard then.
   */
  readonly apiTokens?: readonly string[];
}

export const RATCHET_HTTP_OPTIONS = Symbol('RATCHET_HTTP_OPTIONS');
