import type net from 'node:net';

/** Listens on 127.0.0.1:`port` (0: any free port); rejects if the port cannot be had. */
export function listen(server: net.Server, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
