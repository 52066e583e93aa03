import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * `forward`: every connection is piped to the target. `refuse`: nothing listens on the port
 * (new connections are refused, open ones are cut), as when the server is down.
 */
export type TcpProxyMode = 'forward' | 'refuse';

export interface TcpProxy {
  port: number;
  setMode(mode: TcpProxyMode): Promise<void>;
  /** Cuts every open connection without changing the mode (a network blip). */
  cutConnections(): void;
  /** Connections accepted so far (refused ones never reach the proxy). */
  accepted(): number;
  stop(): Promise<void>;
}

/** A TCP proxy on a port of its own in front of `target`, switchable between forwarding and refusing. */
export async function startTcpProxy(target: { host: string; port: number }, mode: TcpProxyMode = 'forward'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // Either side failing ends both; the peer sees the connection drop, as on a real network.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const cut = () => {
    for (const socket of open) socket.destroy();
  };
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  let current: TcpProxyMode = 'forward';

  const proxy: TcpProxy = {
    port,
    async setMode(next) {
      if (next === current) return;
      current = next;
      if (next === 'refuse') {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        cut();
        await closed;
      } else {
        // The same port again: clients keep the address they were configured with.
        await listen(server, port);
      }
    },
    cutConnections: cut,
    accepted: () => accepted,
    async stop() {
      await proxy.setMode('refuse');
    },
  };
  await proxy.setMode(mode);
  return proxy;
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
