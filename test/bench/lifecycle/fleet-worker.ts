/**
 * The simulated fleet in a process of its own, so that its CPU is measured apart from the
 * load generator's. Started by `fleet-process.ts` over IPC; exits when its parent goes away.
 */
import { startFleet, type Fleet, type FleetOptions } from '@ratchet/device-sim';
import type { FleetReply, FleetRequest } from './fleet-process.js';
import { wallClockOffset } from './load.js';

let fleet: Fleet | undefined;

/**
 * When each command's intent reached its device (wall-clock ms), which is also when the device
 * published its ack and result: they leave in the same tick. Taken (and forgotten) by prefix.
 */
const intentAt = new Map<string, number>();
let offset = wallClockOffset();
setInterval(() => (offset = wallClockOffset()), 10_000).unref();

const send = (reply: FleetReply): void => {
  process.send?.(reply);
};

const shutdown = async (code: number): Promise<never> => {
  const closing = fleet?.close();
  fleet = undefined;
  await Promise.race([closing, new Promise((r) => setTimeout(r, 3000))]);
  process.exit(code);
};

process.on('message', (request: FleetRequest) => {
  switch (request.type) {
    case 'start': {
      const options: FleetOptions = {
        ...request.options,
        onEvent: (e) => {
          if (e.type === 'intent' && !e.duplicate)
            intentAt.set(e.intent.commandId, offset + performance.now());
        },
        logger: {
          log: () => undefined,
          warn: (m) => console.warn(m),
          error: (m) => console.error(m),
        },
      };
      startFleet(options).then(
        (f) => {
          fleet = f;
          send({ type: 'ready', connections: f.connections });
        },
        (e: unknown) =>
          send({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
      );
      break;
    }
    case 'stats':
      send({ type: 'stats', total: fleet ? { ...fleet.stats().total } : null });
      break;
    case 'intents': {
      const entries: [string, number][] = [];
      for (const [id, at] of intentAt)
        if (id.startsWith(request.prefix)) {
          entries.push([id, at]);
          intentAt.delete(id);
        }
      send({ type: 'intents', entries });
      break;
    }
    case 'close':
      void shutdown(0);
      break;
  }
});

// The parent died or closed the channel: never outlive it.
process.on('disconnect', () => void shutdown(0));
process.on('SIGINT', () => undefined); // Ctrl-C reaches the whole group; the parent closes us.
send({ type: 'loaded' });
