import type { ApiCredential } from './api-credentials.js';

/**
 * The API credentials in force. Replaced whole on a reload (SIGHUP), so a request sees either
 * the old set or the new one. Empty: the API is open and every caller is `anonymous`.
 */
export class ApiCredentialRegistry {
  #credentials: readonly ApiCredential[];

  constructor(credentials: readonly ApiCredential[] = []) {
    this.#credentials = credentials;
  }

  get enabled(): boolean {
    return this.#credentials.length > 0;
  }

  current(): readonly ApiCredential[] {
    return this.#credentials;
  }

  /**
   * Installs a new set. Refused (returns why) when it would open a guarded API: an emptied
   * file must not turn authentication off while the service runs.
   */
  replace(next: readonly ApiCredential[]): string | null {
    if (this.enabled && next.length === 0)
      return 'the new set is empty, which would open the API to anyone: kept the old one';
    this.#credentials = next;
    return null;
  }
}
