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

/** A port the OS says is free now (for tests and benchmarks that start their own stack). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
