/** The file store on a real file system: the contract, plus what only files can get wrong. */
import { afterAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DedupeLimits, DeviceStore } from './device-store.port.js';
import { FileDeviceStore } from './file-device-store.js';
import { DeviceStateLockedError } from './state-dir-lock.js';
import { describeDeviceStoreContract } from './testing/device-store.contract.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-device-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `device-${++n}`);
const dirs = new WeakMap<DeviceStore, string>();
const open = (dir: string, limits: DedupeLimits = {}, more = {}) => {
  const store = new FileDeviceStore({ dir, ...limits, ...more });
  dirs.set(store, dir);
  return store;
};

describeDeviceStoreContract('FileDeviceStore', {
  open: (limits) => open(freshDir(), limits),
  reopen: (store, limits) => {
    store.close();
    return open(dirs.get(store)!, limits);
  },
});

describe('FileDeviceStore', () => {
  it('counts epochs 1, 2, 3 … when told not to use the clock, across restarts', () => {
    const dir = freshDir();
    let store = open(dir, {}, { epochFromClock: false });
    expect([store.nextEpoch(Date.now()), store.nextEpoch(Date.now())]).toEqual([1, 2]);
    store.close();
    store = open(dir, {}, { epochFromClock: false });
    expect(store.nextEpoch(Date.now())).toBe(3);
    expect(fs.readFileSync(path.join(dir, 'epoch'), 'utf8')).toBe('3\n');
    store.close();
  });

  it('skips a line cut short by a crash, says so, and appends cleanly after it', () => {
    const dir = freshDir();
    let store = open(dir);
    store.remember({ commandId: 'a', deviceId: 'd', receivedAt: Date.now(), epoch: 1 }, Date.now());
    store.close();
    fs.appendFileSync(path.join(dir, 'seen.jsonl'), '{"commandId":"b","devi');
    const skipped: [string, number][] = [];
    store = open(dir, {}, { onSkippedLines: (f: string, k: number) => skipped.push([f, k]) });
    expect(skipped).toEqual([[path.join(dir, 'seen.jsonl'), 1]]);
    store.remember({ commandId: 'c', deviceId: 'd', receivedAt: Date.now(), epoch: 1 }, Date.now());
    store.close();
    store = open(dir);
    expect([...store.seenCommands()].map((c) => c.commandId)).toEqual(['a', 'c']);
    store.close();
  });

  it('empties the outbox file once nothing is pending', () => {
    const dir = freshDir();
    const store = open(dir);
    const ids = Array.from({ length: 50 }, (_, i) => store.enqueue('t', `p${i}`).id);
    ids.forEach((id) => store.settle(id));
    expect(fs.readFileSync(path.join(dir, 'outbox.jsonl'), 'utf8')).toBe('');
    store.close();
  });

  it('compacts the dedupe file as it outgrows what it remembers', () => {
    const dir = freshDir();
    const store = open(dir, { maxEntries: 100 });
    for (let i = 0; i < 2000; i++)
      store.remember(
        { commandId: `c${i}`, deviceId: 'd', receivedAt: Date.now(), epoch: 1 },
        Date.now(),
      );
    const lines = fs.readFileSync(path.join(dir, 'seen.jsonl'), 'utf8').split('\n').length - 1;
    expect(lines).toBeLessThanOrEqual(1000);
    expect([...store.seenCommands()]).toHaveLength(100);
    store.close();
  });

  it('refuses a second user of the same directory, in this process or another', () => {
    const dir = freshDir();
    const store = open(dir);
    expect(() => open(dir)).toThrow(DeviceStateLockedError);
    store.close();
    // Another live process: the test runner's parent stands in for it.
    fs.writeFileSync(path.join(dir, 'lock'), String(process.ppid));
    expect(() => open(dir)).toThrow(`in use by process ${process.ppid}`);
    fs.rmSync(path.join(dir, 'lock'));
    const again = open(dir);
    again.close();
  });

  it('takes over the lock of a process that is gone', () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    // A pid that cannot be running: the child has exited by the time spawnSync returns.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    fs.writeFileSync(path.join(dir, 'lock'), gone.stdout.toString());
    const store = open(dir);
    expect(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).toBe(String(process.pid));
    store.close();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  it('refuses an epoch file it cannot read, saying what to do', () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'epoch'), 'twelve');
    expect(() => open(dir)).toThrow(/holds "twelve", not a whole number: fix or delete it/);
    // The failed open released its lock.
    fs.rmSync(path.join(dir, 'epoch'));
    open(dir).close();
  });
});
