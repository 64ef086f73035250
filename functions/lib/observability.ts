import type middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics object per function module (set up once, reused across invocations). Service name,
 * log level and namespace come from the Powertools environment variables the stack sets.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'teamflow' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'TeamFlow',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'teamflow',
});

/**
 * Flushes the invocation's metrics, if it recorded any. Powertools' own logMetrics middleware would log a
 * "no metrics" warning on every invocation that recorded none: a log line per request for nothing.
 */
export function publishMetrics(): middy.MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
