/**
 * The one shell of every membership change: read the group's head and the facts asked about
 * from `group_members` (one snapshot, so the facts are of the head's revision), decide
 * (`decideGroup`), and append at that revision. The append is guarded: a change that committed
 * in between, or a read model that lags the stream, makes it stale, and the decision is taken
 * again. An answer that appends nothing (a repeat, a 404, a 413 on the count) is given only
 * once a tail read of the stream shows nothing after the head it was decided on, so it is as
 * exact as an append. No decision ever reads the whole membership.
 */
import { type EventStore, type NewEvent, isStaleRevisionError } from '@ratchet/event-store';
import {
  type GroupDecision,
  type GroupEvent,
  type GroupInput,
  type GroupState,
  type TransitionMetadata,
  decideGroup,
  evolveGroup,
  groupStreamOf,
  revisionEventId,
} from '@ratchet/lifecycle';
import type { ReadModelStore } from '@ratchet/read-models';
import { GroupError } from './group-error.js';

export type GroupChange =
  | { readonly kind: 'set'; readonly deviceIds: readonly string[] }
  | { readonly kind: 'add'; readonly deviceIds: readonly string[] }
  | { readonly kind: 'remove'; readonly deviceId: string };

export interface GroupChangeResult {
  readonly state: GroupState;
  readonly changed: boolean;
  /** Decisions taken again after a lost race or a lagging read model. */
  readonly retries: number;
}

export interface GroupShellOptions {
  readonly now: () => Date;
  /** How long to wait for the read model to reach the stream's head (default 10 s). */
  readonly catchUpTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function changeGroup(
  store: EventStore,
  readModels: ReadModelStore,
  group: string,
  change: GroupChange,
  metadata: TransitionMetadata,
  options: GroupShellOptions,
): Promise<GroupChangeResult> {
  const stream = groupStreamOf(group);
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + (options.catchUpTimeoutMs ?? 10_000);
  const asked = change.kind === 'remove' ? [change.deviceId] : change.deviceIds;
  for (let retries = 0; ; retries += 1) {
    const { head, members } = await readModels.groupMembership(group, asked);
    const state: GroupState | null = head
      ? { group, revision: head.revision, memberCount: head.memberCount, updatedAt: head.updatedAt }
      : null;
    const facts = { revision: head?.revision ?? null, members: new Set(members) };
    const input = { ...change, facts } as GroupInput;
    const decision = decideGroup(input, state, options.now());
    if (decision.outcome === 'append') {
      try {
        await store.append(
          stream,
          toNewEvents(stream, state, decision.events, metadata),
          state?.revision ?? 'no_stream',
        );
        const next = decision.events.reduce<GroupState | null>(
          (s, e) => evolveGroup(group, s, e),
          state,
        );
        return { state: next as GroupState, changed: true, retries };
      } catch (e) {
        if (!isStaleRevisionError(e)) throw e;
        // Someone else changed the group, or the read model was behind: decide again.
      }
    } else if (decision.outcome !== 'stale' && (await atHead(store, stream, state))) {
      return answer(decision, state, group, retries);
    }
    if (Date.now() > deadline) {
      throw new GroupError('read_model_behind', [
        `group ${group}: the group_members read model did not reach the stream's head in time; try again`,
      ]);
    }
    await sleep(Math.min(100, 5 * 2 ** Math.min(retries, 5)));
  }
}

/** Nothing after the revision decided on: the read model's head is the stream's head. */
const atHead = async (store: EventStore, stream: string, state: GroupState | null) =>
  (await store.readStream(stream, { fromRevision: state ? state.revision + 1n : 0n })).length === 0;

function answer(
  decision: Exclude<GroupDecision, { outcome: 'append' | 'stale' }>,
  state: GroupState | null,
  group: string,
  retries: number,
): GroupChangeResult {
  if (decision.outcome === 'rejected') throw new GroupError(decision.code, [decision.message]);
  switch (decision.reason) {
    case 'duplicate':
      return { state: state as GroupState, changed: false, retries };
    case 'not_found':
      throw new GroupError('not_found', [`group ${group} does not exist`]);
    case 'not_a_member':
      throw new GroupError('not_a_member', [`the device is not a member of group ${group}`]);
    default: {
      const _exhaustive: never = decision.reason;
      return _exhaustive;
    }
  }
}

const toNewEvents = (
  stream: string,
  state: GroupState | null,
  events: readonly GroupEvent[],
  metadata: TransitionMetadata,
): NewEvent[] =>
  events.map((e, i) => ({
    id: revisionEventId(stream, (state ? state.revision + 1n : 0n) + BigInt(i)),
    type: e.type,
    data: e.data as unknown as Record<string, unknown>,
    metadata: metadata as unknown as Record<string, unknown>,
  }));
