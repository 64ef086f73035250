import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { ServiceUnavailableError } from '#functions/lib/errors';
import { httpFunction, ok } from '#functions/lib/http';
import { logger } from '#functions/lib/observability';
import { keys } from '#functions/store/keys';

type CheckResult = 'ok' | 'error';

/** One GetItem of a key that never exists: proves the table exists and answers reads within 2 s. */
async function checkTable(): Promise<CheckResult> {
  try {
    await ddb.send(new GetCommand({ TableName: config.tableName, Key: keys.healthProbe() }), {
      abortSignal: AbortSignal.timeout(2000),
    });
    return 'ok';
  } catch (error) {
    logger.warn('Health check: table not reachable', error as Error);
    return 'error';
  }
}

export const handler = httpFunction({
  'GET /api/health': async () => {
    const checks = { table: await checkTable() };
    const healthy = Object.values(checks).every((c) => c === 'ok');
    if (!healthy) {
      throw new ServiceUnavailableError('A dependency is down', {
        status: 'degraded',
        version: config.appVersion,
        checks,
      });
    }
    return ok({ status: 'ok', version: config.appVersion, checks });
  },
});
