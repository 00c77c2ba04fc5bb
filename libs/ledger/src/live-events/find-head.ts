import type { EventStore, Position } from '@ratchet/event-store';
import { COMMAND_STREAM_PREFIX } from '@ratchet/lifecycle';

const PAGE = 1_000;

/**
 * The position of the last command event readable now. The store's port has no "head", so this
 * reads forward from `hint` (a position known to be in the log, e.g. a projection's
 * checkpoint, which is near the head) until a page comes back short: a few events when the
 * hint is recent, the whole log once when there is none.
 */
export async function findHead(
  store: Pick<EventStore, 'readAll'>,
  hint: Position | null,
): Promise<Position | null> {
  let head = hint;
  for (;;) {
    const page = await store.readAll({
      after: head,
      streamPrefix: COMMAND_STREAM_PREFIX,
      limit: PAGE,
    });
    head = page.at(-1)?.position ?? head;
    if (page.length < PAGE) return head;
  }
}
