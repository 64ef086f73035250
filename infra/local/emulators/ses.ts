import type { Server } from 'node:http';
import sesServer from 'aws-ses-v2-local';
import type { LocalSettings } from '../settings.ts';
import type { RunningService } from './process.ts';

/** aws-ses-v2-local, in-process: mail sent through SES v2 is kept in memory; read it at GET /store or /. */
export async function startSes(settings: LocalSettings): Promise<RunningService> {
  const server: Server = await sesServer({ host: settings.host, port: settings.ports.ses });
  return {
    name: 'SES v2 (aws-ses-v2-local)',
    url: `http://${settings.host}:${settings.ports.ses}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
