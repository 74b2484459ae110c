/**
 * A TCP proxy for fault tests: the service connects to the proxy, the proxy to the real server.
 * `down()` behaves like a server restart as a client sees it: every open connection is cut and
 * new ones are refused (nothing listens on the port) until `up()` listens again on the same
 * port. It counts the live upstream connections, so a test can check that nothing leaked.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (the same across `down()`/`up()`). */
  readonly port: number;
  /** Upstream connections (proxy → target) open right now. */
  readonly upstreamConnections: number;
  /** Upstream connections opened since the proxy started. */
  readonly upstreamOpened: number;
  readonly isUp: boolean;
  /** Cuts every connection and stops listening: new connections are refused. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** `down()`, then `up()` after `downMs`. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let upstreamConnections = 0;
  let upstreamOpened = 0;
  let server: net.Server | null = null;

  const onConnection = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    upstreamConnections++;
    upstreamOpened++;
    const pair = { client, upstream };
    pairs.add(pair);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', () => {
      cut();
      if (pairs.delete(pair)) upstreamConnections--;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = (p: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once('error', reject);
      s.listen(p, '127.0.0.1', () => resolve(s));
    });

  server = await listen(port);
  const boundPort = (server.address() as net.AddressInfo).port;

  const down = async () => {
    const s = server;
    server = null;
    // close() stops accepting at once; its callback waits for the connections we cut below.
    const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    await closed;
  };

  const up = async () => {
    if (server) return;
    // The port was just released by this process: a few retries cover a slow unbind.
    for (let attempt = 0; ; attempt++) {
      try {
        server = await listen(boundPort);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  return {
    port: boundPort,
    get upstreamConnections() { return upstreamConnections; },
    get upstreamOpened() { return upstreamOpened; },
    get isUp() { return server !== null; },
    down,
    up,
    async restart(downMs) {
      await down();
      await new Promise((r) => setTimeout(r, downMs));
      await up();
    },
    close: down,
  };
}
