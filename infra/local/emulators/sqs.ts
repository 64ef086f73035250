import type { LocalSettings } from '../settings.ts';
import type { RunningService } from './process.ts';

/** fauxqs, in-process. It keeps queues and messages in memory: the bootstrap recreates queues at every start. */
export async function startSqs(settings: LocalSettings): Promise<RunningService> {
  // fauxqs ships only as an ES module: load it with import(), which works from CommonJS too.
  const { startFauxqs } = await import('fauxqs');
  // No `host` option: queue URLs then carry the host the client used (127.0.0.1:port), which resolves.
  const server = await startFauxqs({ port: settings.ports.sqs, logger: false });
  return { name: 'SQS (fauxqs)', url: `http://${settings.host}:${server.port}`, stop: () => server.stop() };
}
