import { Inject, Injectable } from '@nestjs/common';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';

/** The one place the ledger reads the time, so tests can move it. */
@Injectable()
export class LedgerClock {
  readonly now: () => Date;
  constructor(@Inject(RATCHET_OPTIONS) options: RatchetModuleOptions) {
    this.now = options.clock ?? (() => new Date());
  }
}
