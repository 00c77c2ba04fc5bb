import { describe, expect, it } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDir, pgliteOptions } from './pglite-options.js';

describe('pgliteOptions', () => {
  it('sizes the page cache as configured and reads int8 as bigint', async () => {
    const pglite = await PGlite.create(pgliteOptions({ pgliteSharedBuffersMb: 8 }));
    try {
      const { rows } = await pglite.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0]!.shared_buffers).toBe('8MB');
      const n = await pglite.query<{ n: unknown }>('SELECT 9007199254740993::int8 AS n');
      expect(n.rows[0]!.n).toBe(9007199254740993n);
    } finally {
      await pglite.close();
    }
  });

  it('creates a new data directory (in a child process), then opens it, and reopens what it holds', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ratchet-pglite-dir-'));
    const dir = join(parent, 'pglite');
    try {
      const first = await openPgliteDir(dir, { pgliteSharedBuffersMb: 8 });
      try {
        expect(
          (await first.query<{ s: string }>('SELECT current_setting($$shared_buffers$$) AS s'))
            .rows[0]!.s,
        ).toBe('8MB');
        await first.exec('CREATE TABLE kept (n int8); INSERT INTO kept VALUES (42)');
      } finally {
        await first.close();
      }
      const again = await openPgliteDir(dir, { pgliteSharedBuffersMb: 16 });
      try {
        expect((await again.query<{ n: unknown }>('SELECT n FROM kept')).rows).toEqual([
          { n: 42n },
        ]);
        expect(
          (await again.query<{ s: string }>('SELECT current_setting($$shared_buffers$$) AS s'))
            .rows[0]!.s,
        ).toBe('16MB');
      } finally {
        await again.close();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
