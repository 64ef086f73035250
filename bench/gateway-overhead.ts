/**
 * The local gateway's overhead: raw DynamoDB GetItem against DynamoDB Local vs `GET /api/me` (JWT authorizer,
 * function pipeline, one GetItem) through the local HTTP API, both at concurrency 20, in one run.
 * Target: the API reaches at least 80% of the raw rate. The per-user rate limit (a DynamoDB write whenever an
 * instance takes a share of a user's minute) is switched off here: this measures the gateway and pipeline around the one GetItem.
 */
import { Agent, request } from 'node:http';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { formatResult, mergeResults, runLoad, type LoadResult, withBenchStack } from './load.ts';
import { signUpLocalUser } from '../test/users.ts';

const CONCURRENCY = 20;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 12_000);
const ROUNDS = 4;

export async function gatewayOverhead(root: string): Promise<void> {
  await withBenchStack(root, { RATE_LIMIT_USER_PER_MINUTE: '0' }, async (stack) => {
    const o = stack.outputs;
    const user = await signUpLocalUser(o, 'Bench');
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
    // The same transport for both sides: node:http with a keep-alive pool of CONCURRENCY sockets (the SDK's
    // NodeHttpHandler above uses it too), so the client's own cost is alike and the difference is our stack's.
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const meUrl = new URL(`${o.local.gatewayUrl}/api/me`);
    const me = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = request(meUrl, { agent, headers: { authorization: `Bearer ${user.idToken}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('error', reject);
        req.end();
      });
    // Warm both paths (JIT, connection pools, the function's cold start, the JWKS cache).
    await runLoad('warm-up', { concurrency: CONCURRENCY, durationMs: 1500 }, raw);
    await runLoad('warm-up', { concurrency: CONCURRENCY, durationMs: 1500 }, me);

    // Interleaved rounds (raw, API, raw, API, ...) so drift (JIT, GC, DynamoDB Local's own warm-up) hits both.
    const rawRounds: LoadResult[] = [];
    const apiRounds: LoadResult[] = [];
    const load = { concurrency: CONCURRENCY, durationMs: DURATION_MS / ROUNDS };
    for (let round = 0; round < ROUNDS; round++) {
      rawRounds.push(await runLoad('raw', load, raw));
      apiRounds.push(await runLoad('api', load, me));
    }
    const rawResult = mergeResults(`DynamoDB GetItem (raw, c=${CONCURRENCY})`, rawRounds);
    const apiResult = mergeResults(`GET /api/me via gateway (c=${CONCURRENCY})`, apiRounds);
    console.log('\n## Local gateway overhead');
    console.log(formatResult(rawResult));
    console.log(formatResult(apiResult));
    const ratio = apiResult.rate / rawResult.rate;
    console.log(
      `API rate / raw rate: ${(ratio * 100).toFixed(1)}% (target >= 80%: ${ratio >= 0.8 ? 'met' : 'NOT met'}); ` +
        `added p50 latency ${(apiResult.p50 - rawResult.p50).toFixed(2)} ms`,
    );
  });
}
