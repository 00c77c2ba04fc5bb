/**
 * The identifiers of the contract (CONTRACT.md sections 2 and 3), written once: the HTTP API,
 * the bus, the MQTT topics and the device SDK all check against these.
 */

/** `deviceId` (also a group name): `^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A command's `name` and a `queue.key`: `^[A-Za-z][A-Za-z0-9_.-]{0,63}$`. */
export const COMMAND_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Any RFC 9562 UUID (any version: retries use derived v5 ids), either case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isDeviceId = (s: unknown): s is string =>
  typeof s === 'string' && DEVICE_ID_PATTERN.test(s);
export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID_PATTERN.test(s);
