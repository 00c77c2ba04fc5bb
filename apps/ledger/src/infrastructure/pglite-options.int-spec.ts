import { describe, expect, it } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './pglite-options.js';

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
});
