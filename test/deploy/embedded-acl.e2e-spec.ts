/**
 * The embedded broker applies the rules of the ACL docker-compose.yml ships: the rules it holds
 * as data (libs/mqtt, broker-acl.ts) are read back from apps/broker/acl and must be the same,
 * so that changing one without the other fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_RULES, LEDGER_ACCOUNT, LEDGER_RULES, type AclRule } from '@ratchet/mqtt';
import { REPO_ROOT, loadCompose } from './compose-file.js';
import { TEST_VARIABLES } from './compose-roles.js';
import { mosquittoFiles } from './deployed-mosquitto.js';
import { parseMosquittoConf } from './mosquitto-conf.js';

/** `user X` blocks and `pattern` lines of a Mosquitto ACL file. */
function readAcl(text: string): { users: Map<string, AclRule[]>; patterns: AclRule[] } {
  const users = new Map<string, AclRule[]>();
  const patterns: AclRule[] = [];
  let current: AclRule[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'user') users.set(rest.join(' '), (current = []));
    else if (key === 'topic' || key === 'pattern') {
      const [access, filter] = rest.length === 2 ? rest : ['readwrite', rest[0]];
      const rule = { access: access as AclRule['access'], filter: filter! };
      if (key === 'pattern') patterns.push(rule);
      else if (current) current.push(rule);
      else throw new Error(`a topic line before any user: ${line}`);
    } else throw new Error(`an ACL line this test does not know: ${line}`);
  }
  return { users, patterns };
}

describe('the embedded broker’s rules', () => {
  it('are those of the shipped Mosquitto ACL', () => {
    const compose = loadCompose(TEST_VARIABLES);
    const files = mosquittoFiles(compose);
    const conf = parseMosquittoConf(
      readFileSync(join(REPO_ROOT, files.get('/mosquitto/config/mosquitto.conf')!), 'utf8'),
    );
    const acl = readAcl(
      readFileSync(join(REPO_ROOT, files.get(conf.global.get('acl_file')!)!), 'utf8'),
    );
    expect([...acl.users.keys()]).toEqual([LEDGER_ACCOUNT]);
    expect(acl.users.get(LEDGER_ACCOUNT)).toEqual(LEDGER_RULES);
    expect(acl.patterns).toEqual(DEVICE_RULES);
  });
});
