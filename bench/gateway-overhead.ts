/**
 * The local gateway's overhead: raw DynamoDB GetItem against DynamoDB Local vs `GET /api/me` (JWT authorizer,
 * function pipeline, one GetItem) through the local HTTP API, both at concurrency 20, in one run.
 * Target: the API reaches at least 80% of the raw rate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'node:http';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawnLocalStack } from '../infra/local/spawn.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { formatResult, runLoad } from './load.ts';
import { signUpBenchUser } from './users.ts';

const CONCURRENCY = 20;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);

export async function gatewayOverhead(root: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-bench-'));
  const stack = await spawnLocalStack({ root, dataDir, web: false, env: { TEAMFLOW_ACCESS_LOG: '0' } });
  try {
    const o = stack.outputs;
    const user = await signUpBenchUser(o);
    const dynamodb = new DynamoDBClient({
      region: o.region,
      endpoint: o.local.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new NodeHttpHandler({
        httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
      }),
    });
    const getItem = new GetItemCommand({
      TableName: o.local.resources.tableName,
      Key: { PK: { S: `USER#${user.userId}` }, SK: { S: 'PROFILE' } },
      ConsistentRead: true,
    });
    const raw = async () => (await dynamodb.send(getItem)).Item !== undefined;
    const me = async () => {
      const res = await fetch(`${o.local.gatewayUrl}/api/me`, {
        headers: { authorization: `Bearer ${user.idToken}` },
      });
      await res.arrayBuffer();
      return res.status === 200;
    };
    // Warm both paths (JIT, connection pools, the function's cold start, the JWKS cache).
    await runLoad('warm-up', { concurrency: CONCURRENCY, durationMs: 1500 }, raw);
    await runLoad('warm-up', { concurrency: CONCURRENCY, durationMs: 1500 }, me);

    const rawResult = await runLoad(
      `DynamoDB GetItem (raw, c=${CONCURRENCY})`,
      { concurrency: CONCURRENCY, durationMs: DURATION_MS },
      raw,
    );
    const apiResult = await runLoad(
      `GET /api/me via gateway (c=${CONCURRENCY})`,
      { concurrency: CONCURRENCY, durationMs: DURATION_MS },
      me,
    );
    console.log('\n## Local gateway overhead');
    console.log(formatResult(rawResult));
    console.log(formatResult(apiResult));
    const ratio = apiResult.rate / rawResult.rate;
    console.log(
      `API rate / raw rate: ${(ratio * 100).toFixed(1)}% (target >= 80%: ${ratio >= 0.8 ? 'met' : 'NOT met'}); ` +
        `added p50 latency ${(apiResult.p50 - rawResult.p50).toFixed(2)} ms`,
    );
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
