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
