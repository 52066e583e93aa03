import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { listen } from './listen.js';

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
  /**
   * Until forwardReplies(), drops whatever the server sends on the open connections that `which`
   * picks, by the first bytes their client last sent. The server still runs every command; the
   * client never hears back, as when a link dies after the server acted but before its answer
   * got through.
   */
  dropReplies(which: (lastSent: string) => boolean): void;
  /**
   * Arms a one-shot silence: the next time a client sends something `trigger` picks (by its
   * first bytes), everything the server sends on that connection from then on is dropped, until
   * forwardReplies(). The server runs the statement; its answer never comes, no socket breaks.
   */
  silenceNext(trigger: (sent: string) => boolean): void;
  forwardReplies(): void;
  /** Connections accepted so far (refused ones never reach the proxy). */
  accepted(): number;
  stop(): Promise<void>;
}

/** A TCP proxy on a port of its own in front of `target`, switchable between forwarding and refusing. */
export async function startTcpProxy(target: { host: string; port: number }, mode: TcpProxyMode = 'forward'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const links = new Set<Link>();
  let accepted = 0;
  let trigger: ((sent: string) => boolean) | undefined;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    const link: Link = { lastSent: '', dropping: false };
    links.add(link);
    client.once('close', () => links.delete(link));
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // Either side failing ends both; the peer sees the connection drop, as on a real network.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      link.lastSent = chunk.toString('latin1', 0, 64);
      if (trigger?.(link.lastSent)) {
        trigger = undefined;
        link.dropping = true;
      }
    });
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (link.dropping || client.write(chunk)) return;
      upstream.pause();
      client.once('drain', () => upstream.resume());
    });
    upstream.once('end', () => client.end());
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
    dropReplies(which) {
      for (const link of links) link.dropping = which(link.lastSent);
    },
    silenceNext(next) {
      trigger = next;
    },
    forwardReplies() {
      trigger = undefined;
      for (const link of links) link.dropping = false;
    },
    accepted: () => accepted,
    async stop() {
      await proxy.setMode('refuse');
    },
  };
  await proxy.setMode(mode);
  return proxy;
}

interface Link {
  lastSent: string;
  dropping: boolean;
}
