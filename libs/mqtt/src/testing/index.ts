/** Test helpers for MQTT integration tests (`@ratchet/mqtt/testing`). */
export {
  MOSQUITTO_URL,
  brokerAnswers,
  deferred,
  requireMosquitto,
  sleep,
  uniqueName,
  waitFor,
  waitForAsync,
} from './mosquitto.js';
export type { Deferred } from './mosquitto.js';
export { freePort, portAnswers } from './ports.js';
export { startPrivateMosquitto } from './private-mosquitto.js';
export type { PrivateMosquitto } from './private-mosquitto.js';
export { startTcpProxy } from './tcp-proxy.js';
export type { TcpProxy } from './tcp-proxy.js';
export { makeTestPki, requireOpenssl } from './certificates.js';
export type { IssuedCertificate, TestCa, TestPki } from './certificates.js';
