/**
 * A TCP proxy in front of a broker that a test can cut and restore: the clients behind it lose
 * their connection (the broker sees the socket close, as on a network fault, and publishes
 * their wills) and cannot reconnect until it is restored, while clients that reach the broker
 * directly are untouched.
 */
import net from 'node:net';

export interface TcpProxy {
  /** `mqtt://127.0.0.1:<port>`: give this to the clients to cut off. */
  readonly url: string;
  readonly port: number;
  /** Drops every proxied connection and refuses new ones (accepted, then closed at once). */
  cut(): void;
  restore(): void;
  /**
   * Stops forwarding without closing anything, as a broker stopped with SIGSTOP: connections
   * stay up, bytes wait. `resume()` forwards them again.
   */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<TcpProxy> {
  const pairs = new Set<net.Socket>();
  let open = true;
  let stalled = false;
  const server = net.createServer({ noDelay: true }, (client) => {
    if (!open) return void client.destroy();
    const upstream = net.connect({ host: targetHost, port: targetPort, noDelay: true });
    pairs.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
    if (stalled) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const cut = () => {
    open = false;
    for (const s of [...pairs]) s.destroy();
    pairs.clear();
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    cut,
    restore: () => {
      open = true;
    },
    stall: () => {
      stalled = true;
      for (const s of pairs) s.pause();
    },
    resume: () => {
      stalled = false;
      for (const s of pairs) s.resume();
    },
    close: async () => {
      cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
