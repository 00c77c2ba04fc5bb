/**
 * The embedded broker's authentication and ACL as Aedes hooks. Accounts come from a
 * `mosquitto_passwd` file (so the same file serves Mosquitto); the rules are those of the shipped
 * Mosquitto ACL (broker-acl.ts): the `ledger` account and this process's own internal accounts
 * have the ledger's rights, every other account is the device its username names. As with
 * Mosquitto's `use_username_as_clientid`, a device's client id becomes its username, so it
 * cannot take over another device's session by borrowing its client id.
 *
 * The hooks wrap the ones given in the broker's options (they run after these, and only for
 * what these allow), so whoever else hooks into Aedes (`published`, `preConnect`, …) keeps
 * working.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AedesOptions, Client } from 'aedes';
import { errorMessage, type MqttLogger } from '../logger.js';
import {
  LEDGER_ACCOUNT,
  mayPublish,
  mayReceive,
  maySubscribe,
  type BrokerPrincipal,
} from './broker-acl.js';
import { type PasswordAccounts, type PasswordHash, verifyPassword } from './password-file.js';

export interface EmbeddedBrokerAuth {
  /** Accounts (`readPasswordFile`): `ledger` for a ledger elsewhere, device ids for devices. */
  readonly accounts: PasswordAccounts;
  /** Accounts of this process's own clients (the in-process ledger), with the ledger's rights. */
  readonly internal?: readonly { readonly username: string; readonly password: string }[];
}

type Hooks = Pick<
  AedesOptions,
  'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
>;

/** CONNACK return codes of MQTT 3.1.1. */
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

/** Something to verify against for unknown users, so that they take as long as known ones. */
const DECOY: PasswordHash = {
  kind: 'pbkdf2-sha512',
  iterations: 101,
  salt: Buffer.alloc(12),
  hash: Buffer.alloc(64),
};

const refusal = (returnCode: number, message: string) =>
  Object.assign(new Error(message), { returnCode });

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Where a client connects from, for the log. */
const peer = (client: Client | null): string => {
  const conn = client?.conn as { remoteAddress?: string; remotePort?: number } | undefined;
  return conn?.remoteAddress ? `${conn.remoteAddress}:${String(conn.remotePort)}` : 'unknown';
};

export function embeddedAuthHooks(
  auth: EmbeddedBrokerAuth,
  logger: MqttLogger,
  /** The hooks given in the broker's options; each runs after (and only past) this one. */
  inner: Hooks = {},
): Required<Hooks> {
  const principals = new WeakMap<Client, BrokerPrincipal>();
  const internal = auth.internal ?? [];

  const authenticate: Required<Hooks>['authenticate'] = (client, username, password, done) => {
    const secret = password === undefined ? undefined : Buffer.from(password).toString('utf8');
    const refuse = (code: number, why: string) => {
      logger.warn(
        `MQTT embedded broker: refused ${username === undefined ? 'a client without credentials' : `"${username}"`} ` +
          `(client id "${client.id}", from ${peer(client)}): ${why}`,
      );
      done(refusal(code, why), false);
    };
    if (username === undefined || secret === undefined)
      return refuse(NOT_AUTHORIZED, 'no username and password (device credentials are required)');
    const accept = (principal: BrokerPrincipal) => {
      principals.set(client, principal);
      // use_username_as_clientid: a device is its account, whatever client id it sent.
      if (principal.role === 'device') client.id = principal.username;
      if (!inner.authenticate) return done(null, true);
      inner.authenticate(client, username, password, done);
    };
    const own = internal.find((a) => a.username === username);
    if (own) {
      return sameSecret(own.password, secret)
        ? accept({ role: 'ledger', username })
        : refuse(BAD_CREDENTIALS, 'wrong password for an internal account');
    }
    const hash = auth.accounts.get(username);
    verifyPassword(secret, hash ?? DECOY).then(
      (ok) => {
        if (!hash) return refuse(BAD_CREDENTIALS, 'unknown account');
        if (!ok) return refuse(BAD_CREDENTIALS, 'wrong password');
        accept({ role: username === LEDGER_ACCOUNT ? 'ledger' : 'device', username });
      },
      (e: unknown) => refuse(NOT_AUTHORIZED, `password check failed: ${errorMessage(e)}`),
    );
  };

  const authorizePublish: Required<Hooks>['authorizePublish'] = (client, packet, done) => {
    const principal = client ? principals.get(client) : undefined;
    if (!principal || !mayPublish(principal, packet.topic)) {
      logger.warn(
        `MQTT embedded broker: refused a publish by "${principal?.username ?? '?'}" on "${packet.topic}"` +
          ' (not in its ACL); the connection is closed (MQTT 3.1.1 has no refusal code)',
      );
      return done(new Error(`not authorised to publish on ${packet.topic}`));
    }
    if (!inner.authorizePublish) return done(null);
    inner.authorizePublish(client, packet, done);
  };

  const authorizeSubscribe: Required<Hooks>['authorizeSubscribe'] = (client, sub, done) => {
    const principal = principals.get(client);
    if (!principal || !maySubscribe(principal, sub.topic)) {
      logger.warn(
        `MQTT embedded broker: refused "${principal?.username ?? '?'}" a subscription to "${sub.topic}" ` +
          '(it could deliver topics outside its ACL); SUBACK 0x80',
      );
      return done(null, null);
    }
    if (!inner.authorizeSubscribe) return done(null, sub);
    inner.authorizeSubscribe(client, sub, done);
  };

  const authorizeForward: Required<Hooks>['authorizeForward'] = (client, packet) => {
    const principal = principals.get(client);
    // Also retained messages and restored subscriptions: read is checked on every delivery.
    if (!principal || !mayReceive(principal, packet.topic)) return null;
    return inner.authorizeForward ? inner.authorizeForward(client, packet) : packet;
  };

  return { authenticate, authorizePublish, authorizeSubscribe, authorizeForward };
}
