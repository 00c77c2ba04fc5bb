import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EndedCommands } from './ended-commands.js';

describe('EndedCommands', () => {
  it('keeps the newest `capacity` ids and forgets closed ones (fast-check against a model)', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ forget: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60 }), (cap, ops) => {
        const ended = new EndedCommands(cap);
        let model: string[] = []; // oldest first
        for (const o of ops) {
          if ('add' in o) {
            const id = `c${o.add}`;
            if (!model.includes(id)) model.push(id);
            if (model.length > cap) model = model.slice(1);
            ended.add(id);
          } else {
            const ids = o.forget.map((n) => `c${n}`);
            model = model.filter((id) => !ids.includes(id));
            ended.forget(ids);
          }
          expect(ended.size).toBe(model.length);
          expect(ended.size).toBeLessThanOrEqual(cap);
        }
        for (let n = 0; n <= 30; n += 1) expect(ended.has(`c${n}`)).toBe(model.includes(`c${n}`));
      }),
    );
  });
});
