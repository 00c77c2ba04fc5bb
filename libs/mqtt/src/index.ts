/**
 * The MQTT building blocks: topic contract, payload codecs (both sides: ledger and device),
 * client factory, embedded broker (Aedes, loaded only when started).
 */
export * from './topics.js';
export {
  DEFAULT_MAX_INBOUND_BYTES,
  type DecodeOptions,
  type DecodeRejection,
  type Decoded,
  type PayloadInput,
} from './json-payload.js';
export * from './codecs.js';
export * from './presence-codec.js';
export * from './intent-codec.js';
export * from './logger.js';
export * from './broker-url.js';
export type {
  BrokerCapabilities,
  ConnectMqttOptions,
  MqttConnection,
  MqttProtocolChoice,
  MqttProtocolVersion,
} from './client-options.js';
export * from './client.js';
export * from './close-within.js';
export * from './ack-after-handler.js';
export * from './coalesce-writes.js';
export * from './bounded-publish.js';
export * from './embedded-broker.js';
export * from './tls.js';
export * from './broker-auth/password-file.js';
export * from './broker-auth/broker-acl.js';
export type { EmbeddedBrokerAuth } from './broker-auth/embedded-auth.js';
