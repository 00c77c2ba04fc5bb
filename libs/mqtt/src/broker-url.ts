/**
 * Broker URLs and the socket mqtt.js talks through. mqtt.js's own TCP builder leaves Nagle on,
 * which costs every small MQTT packet up to 40 ms (TOOLCHAIN.md), so we hand `MqttClient` a
 * stream builder that opens the socket with `noDelay`.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

export interface BrokerAddress {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
}

const PLAIN = new Set(['mqtt:', 'tcp:']);
const SECURE = new Set(['mqtts:', 'ssl:', 'tls:']);

/** Accepts `mqtt://`, `tcp://` (1883) and `mqtts://`, `ssl://`, `tls://` (8883). WebSockets are not used here. */
export function parseBrokerUrl(url: string): BrokerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(
      `MQTT_URL is not a URL: ${JSON.stringify(url)} (expected e.g. mqtt://localhost:1883)`,
    );
  }
  const secure = SECURE.has(u.protocol);
  if (!secure && !PLAIN.has(u.protocol)) {
    throw new TypeError(
      `unsupported MQTT URL scheme ${u.protocol} in ${url}: use mqtt:// or mqtts://`,
    );
  }
  if (!u.hostname) throw new TypeError(`MQTT URL has no host: ${url}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1'); // URL keeps IPv6 brackets; net does not want them
  const port = u.port ? Number(u.port) : secure ? 8883 : 1883;
  return {
    secure,
    host,
    port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** A fresh socket per (re)connection, Nagle off. */
export function noDelayStreamBuilder(
  address: BrokerAddress,
  tlsOptions: tls.ConnectionOptions = {},
): () => Duplex {
  const { host, port } = address;
  if (!address.secure) return () => net.connect({ host, port, noDelay: true });
  return () => {
    const servername = net.isIP(host) ? undefined : host;
    const socket = tls.connect({ host, port, servername, ...tlsOptions });
    // Applied to the underlying TCP socket once it exists.
    socket.setNoDelay(true);
    return socket;
  };
}
