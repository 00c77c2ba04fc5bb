import type { DynamicModule } from '@nestjs/common';
import type { RatchetModuleOptions } from '../options/ratchet.options.js';
import { RATCHET_MODULE_OPTIONS } from '../ratchet.module-definition.js';
import { RatchetModule } from '../ratchet.module.js';
import { FakeDevices } from './fake-devices.js';

/**
 * RatchetModule for a host's tests: PGlite in memory (needs `@electric-sql/pglite`, a dev
 * dependency is enough), no broker — `FakeDevices` receive the intents and answer — read
 * models on, and a sweeper quick enough for tests. Returns a `RatchetModule` definition, so it
 * can replace the application's: `.overrideModule(RatchetModule).useModule(RatchetTestingModule.forRoot())`.
 * Any option of RatchetModule may be given (e.g. `subscription`, `clock`, `defaults`).
 */
export class RatchetTestingModule {
  /**
   * For an application module that imports RatchetModule itself: its options replaced, in a
   * test, by these (`.overrideProvider(ratchet.token).useValue(ratchet.options)`), and the fake
   * devices to drive.
   */
  static options(options: Partial<RatchetModuleOptions> = {}): {
    readonly token: typeof RATCHET_MODULE_OPTIONS;
    readonly options: RatchetModuleOptions;
    readonly devices: FakeDevices;
  } {
    const devices = new FakeDevices();
    return {
      token: RATCHET_MODULE_OPTIONS,
      options: { ...TESTING_DEFAULTS, ...options, intentPublisher: devices },
      devices,
    };
  }

  static forRoot(options: Partial<RatchetModuleOptions> = {}): DynamicModule {
    const { options: testing, devices } = RatchetTestingModule.options(options);
    const definition = RatchetModule.forRoot(testing);
    return {
      ...definition,
      providers: [...(definition.providers ?? []), { provide: FakeDevices, useValue: devices }],
      exports: [...(definition.exports ?? []), FakeDevices],
    };
  }
}

const TESTING_DEFAULTS: RatchetModuleOptions = {
  store: 'pglite',
  sweep: { intervalMs: 50, redispatchAfterMs: 200 },
};
