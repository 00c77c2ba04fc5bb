/**
 * Who may do what on Ratchet's topics, as data: the rules of the shipped Mosquitto ACL
 * (apps/broker/acl; a test reads that file and compares), for the embedded broker to apply.
 * `%u` is the authenticated username, which for a device is its device id.
 *
 * One difference, on purpose: Mosquitto 2.0 grants every SUBSCRIBE and checks `read` on each
 * delivered message. The embedded broker does that too, and also refuses (SUBACK 0x80) a
 * subscription that could deliver anything the client may not read (`#`, another device's
 * topics, its own acks), so a misbehaving client learns at once instead of hearing nothing.
 */

export type Access = 'read' | 'write';
export interface AclRule {
  readonly access: Access;
  /** A topic filter; `%u` stands for the username. */
  readonly filter: string;
}

/** The ledger's account name in the shipped ACL (`user ledger`). */
export const LEDGER_ACCOUNT = 'ledger';

/** `user ledger` in apps/broker/acl. */
export const LEDGER_RULES: readonly AclRule[] = [
  { access: 'write', filter: 'devices/+/commands/+' },
  { access: 'write', filter: 'devices/+/commands/+/state' },
  { access: 'read', filter: 'devices/+/commands/+/ack' },
  { access: 'read', filter: 'devices/+/commands/+/result' },
  { access: 'read', filter: 'devices/+/presence' },
];

/** The `pattern` lines of apps/broker/acl: every other account is a device. */
export const DEVICE_RULES: readonly AclRule[] = [
  { access: 'read', filter: 'devices/%u/commands/+' },
  { access: 'read', filter: 'devices/%u/commands/+/state' },
  { access: 'write', filter: 'devices/%u/commands/+/ack' },
  { access: 'write', filter: 'devices/%u/commands/+/result' },
  { access: 'write', filter: 'devices/%u/presence' },
];

export type BrokerPrincipal =
  | { readonly role: 'ledger'; readonly username: string }
  | { readonly role: 'device'; readonly username: string };

export function rulesOf(p: BrokerPrincipal): AclRule[] {
  if (p.role === 'ledger') return [...LEDGER_RULES];
  // Mosquitto refuses to substitute a username with a wildcard or a level separator in it;
  // such a device may do nothing (device ids never contain them).
  if (/[+#/]/.test(p.username) || p.username === '') return [];
  return DEVICE_RULES.map((r) => ({ ...r, filter: r.filter.replace(/%u/g, p.username) }));
}

/** MQTT topic matching: `+` one level, `#` the rest (including none); `$` topics only literally. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether every topic `inner` matches is also matched by `outer`. */
export function filterWithin(inner: string, outer: string): boolean {
  const a = inner.split('/');
  const b = outer.split('/');
  // A leading wildcard never matches `$` topics, which a literal `$…` level names.
  if ((b[0] === '+' || b[0] === '#') && a[0]!.startsWith('$')) return false;
  for (let i = 0; i < a.length; i++) {
    if (b[i] === '#') return i === b.length - 1;
    if (i >= b.length) return false;
    if (a[i] === '#') return false; // inner reaches further than outer can follow
    if (b[i] === '+') continue;
    if (a[i] === '+' || a[i] !== b[i]) return false;
  }
  // Equal length, or outer ends in `#` one level further (which matches the parent too).
  return a.length === b.length || (b.length === a.length + 1 && b[a.length] === '#');
}

/** `$share/<group>/<filter>` → `<filter>` (the rules speak of what is delivered). */
const unshared = (filter: string): string =>
  filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;

export const mayPublish = (p: BrokerPrincipal, topic: string): boolean =>
  rulesOf(p).some((r) => r.access === 'write' && topicMatches(r.filter, topic));

export const mayReceive = (p: BrokerPrincipal, topic: string): boolean =>
  rulesOf(p).some((r) => r.access === 'read' && topicMatches(r.filter, topic));

export const maySubscribe = (p: BrokerPrincipal, filter: string): boolean =>
  rulesOf(p).some((r) => r.access === 'read' && filterWithin(unshared(filter), r.filter));
