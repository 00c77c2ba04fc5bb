/**
 * One socket write for what a turn of the event loop sends on a connection. mqtt-packet corks a
 * connection only until the next tick, so packets sent from one callback already share a
 * write, but each further callback of the same turn (the results of several database
 * connections, each its own I/O callback, each finishing some dispatches or answers) costs its
 * own write, and each write is a system call. Corking the stream until `setImmediate` (after
 * the turn's I/O callbacks and everything they started) sends them as one `writev`. Nothing
 * is held past that turn, and nothing changes order.
 */
import type { MqttClient } from 'mqtt';

interface Corkable {
  cork?: () => void;
  uncork?: () => void;
}

const corked = new WeakSet<object>();

export function coalesceWrites(client: MqttClient): void {
  const stream = client.stream as unknown as Corkable | undefined;
  if (!stream?.cork || !stream.uncork || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork!();
  });
}
