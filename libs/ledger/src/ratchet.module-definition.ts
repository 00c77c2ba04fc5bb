import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RatchetModuleOptions } from './options/ratchet.options.js';

/**
 * `forRoot(options)` and `forRootAsync({ imports, inject, useFactory | useClass |
 * useExisting, isGlobal })`, as Nest's own modules have them. A `useClass`/`useExisting`
 * class implements `createRatchetOptions()`.
 */
export const {
  ConfigurableModuleClass: RatchetConfigurableModule,
  MODULE_OPTIONS_TOKEN: RATCHET_MODULE_OPTIONS,
  OPTIONS_TYPE: RATCHET_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RATCHET_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RatchetModuleOptions>({ moduleName: 'Ratchet' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRatchetOptions')
  // One ledger per application: global unless told otherwise, so that RatchetHttpModule and
  // the host's modules see its services without importing it again.
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** What a `useClass` / `useExisting` options factory implements. */
export interface RatchetOptionsFactory {
  createRatchetOptions(): RatchetModuleOptions | Promise<RatchetModuleOptions>;
}
