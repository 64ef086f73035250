import net from 'node:net';
import { PORT_LABELS, PORT_VARIABLES, type LocalSettings } from './settings.ts';

export class PortInUseError extends Error {}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Fails with one clear message naming every taken port and the variable that moves it. */
export async function assertPortsFree(settings: LocalSettings): Promise<void> {
  const wanted = (Object.keys(settings.ports) as Array<keyof LocalSettings['ports']>).filter(
    (key) => key !== 'web' || settings.web,
  );
  const taken: string[] = [];
  for (const key of wanted) {
    if (!(await isFree(settings.host, settings.ports[key]))) {
      taken.push(
        `  port ${settings.ports[key]} (${PORT_LABELS[key]}): set ${PORT_VARIABLES[key]} to another port`,
      );
    }
  }
  if (taken.length) {
    throw new PortInUseError(
      `These ports are already in use (is TeamFlow already running?):\n${taken.join('\n')}`,
    );
  }
}

function listenOnAnyPort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * `count` distinct ports the OS says are free now (for tests and benchmarks that start their own stack). All
 * are held until the last is chosen: closing each before asking for the next lets the OS hand out the same
 * port twice, and two services of one stack then meet on it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    while (servers.length < count) servers.push(await listenOnAnyPort());
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A port the OS says is free now. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
