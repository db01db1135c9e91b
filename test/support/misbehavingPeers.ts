import net from 'node:net';

/** A TCP listener on loopback that misbehaves as an SSH server; not an SSH server at all. */
export interface MisbehavingPeer {
  port: number;
  close(): Promise<void>;
}

/** A proxy in front of a real sshd that can turn into a peer resetting every connection. */
export interface ResettingProxy extends MisbehavingPeer {
  /** Resets every open connection, and from now on every new one as soon as it is accepted. */
  resetAll(): void;
  /** Forwards new connections again. */
  heal(): void;
}

function listen(onConnection: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port, sockets }));
  });
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

/**
 * Accepts TCP and resets it before sending any greeting, as sshd does past `MaxStartups`. It
 * waits for the client's own greeting first: a reset that lands before the client has seen the
 * connection established takes another path through ssh2.
 */
export async function resetBeforeGreetingPeer(): Promise<MisbehavingPeer> {
  const { server, port, sockets } = await listen((socket) => socket.once('data', () => socket.resetAndDestroy()));
  return { port, close: closer(server, sockets) };
}

/** Accepts TCP and never says a word, so the client's connect timeout fires. */
export async function silentPeer(): Promise<MisbehavingPeer> {
  const { server, port, sockets } = await listen(() => undefined);
  return { port, close: closer(server, sockets) };
}

/** Forwards to `targetPort` on loopback until `resetAll()`; from then on resets everything. */
export async function resettingProxy(targetPort: number): Promise<ResettingProxy> {
  let resetting = false;
  const upstreams = new Set<net.Socket>();
  const { server, port, sockets } = await listen((client) => {
    if (resetting) {
      client.once('data', () => client.resetAndDestroy());
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    upstreams.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.once('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  return {
    port,
    resetAll() {
      resetting = true;
      for (const client of sockets) client.resetAndDestroy();
      for (const upstream of upstreams) upstream.destroy();
    },
    heal() {
      resetting = false;
    },
    close: closer(server, sockets),
  };
}
