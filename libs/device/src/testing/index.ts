/** Test helpers for device integration tests; tsconfig.build.json leaves testing folders out of the build. */
export { testBrokers, uniquePrefix, type BrokerCase, type TestBroker } from './brokers.js';
export {
  openTestLedger,
  retainedPresence,
  type IntentSpec,
  type ObservedAnswer,
  type ObservedPresence,
  type TestLedger,
} from './test-ledger.js';
export {
  describeDeviceStoreContract,
  type DeviceStoreFixture,
} from '../store/testing/device-store.contract.js';
