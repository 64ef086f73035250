import fs from 'node:fs';
import path from 'node:path';
import S3rver from 's3rver';
import type { LocalSettings } from '../settings.ts';
import type { RunningService } from './process.ts';

/** s3rver, in-process, storing objects under `<dataDir>/s3` (survives restarts). */
export async function startS3(settings: LocalSettings): Promise<RunningService> {
  const directory = path.join(settings.dataDir, 's3');
  fs.mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: settings.host,
    port: settings.ports.s3,
    directory,
    silent: true,
    vhostBuckets: false,
  });
  await server.run();
  return {
    name: 'S3 (s3rver)',
    url: `http://${settings.host}:${settings.ports.s3}`,
    stop: () => server.close(),
  };
}
