import type { LocalSettings } from '../settings.ts';
import type { RunningService } from './process.ts';

/** fauxqs, in-process. It keeps queues and messages in memory: the bootstrap recreates queues at every start. */
export async function startSqs(settings: LocalSettings): Promise<RunningService> {
  // fauxqs ships only as an ES module: load it with import(), which works from CommonJS too.
  const { startFauxqs, interceptLocalhostDns } = await import('fauxqs');
  const server = await startFauxqs({ port: settings.ports.sqs, logger: false });
  // Queue URLs look like AWS's (`http://sqs.<region>.localhost:<port>/<account>/<name>`) and the SDK sends requests
  // to a queue URL's host. `*.localhost` is loopback by RFC 6761, but not every resolver knows it: make it so in
  // this process, where the functions run.
  const restoreDns = interceptLocalhostDns('localhost');
  return {
    name: 'SQS (fauxqs)',
    url: `http://${settings.host}:${server.port}`,
    stop: async () => {
      restoreDns();
      await server.stop();
    },
  };
}
