/**
 * AI breakdown, click → preview: from sending `POST /api/tasks/{id}/ai-breakdown` (the click) to the moment the
 * requester's WebSocket receives the job's JOB_UPDATED frame with status `completed` (the preview can render),
 * through the whole queue path: the route → the `ai` queue (fauxqs) → the local SQS poller → the AI worker with
 * the built-in planner → the job item → the table stream → the broadcast function → @connections → the socket.
 * Also the same path read by polling GET /api/jobs/{id} every 100 ms (the web's fallback without a socket polls
 * every 500 ms). Target locally: p95 < 1.5 s. Requests go one at a time; the quota is switched off for the run.
 *
 * Settings: BENCH_AI_SAMPLES (default 60).
 */
import type { Job } from '../shared/schemas/ai.ts';
import { LiveClient, type Frame } from '../test/live-client.ts';
import { signUpLocalUser } from '../test/users.ts';
import { apiClient, expectStatus, percentile, withBenchStack } from './load.ts';

const SAMPLES = Number(process.env.BENCH_AI_SAMPLES ?? 60);
const WARM_UP = 3;
const POLL_MS = 100;
const TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function report(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (p: number) => `${percentile(sorted, p).toFixed(0).padStart(5)} ms`;
  console.log(`  ${label.padEnd(34)} p50 ${f(50)}  p95 ${f(95)}  max ${f(100)}  (${sorted.length} samples)`);
}

export async function ai(root: string): Promise<void> {
  console.log('\n## ai: click → preview (built-in planner, through the ai queue)');
  await withBenchStack(
    root,
    { RATE_LIMIT_USER_PER_MINUTE: '0', AI_REQUESTS_PER_HOUR: '0' },
    async (stack) => {
      const o = stack.outputs;
      const api = apiClient(o, 4);
      const owner = await signUpLocalUser(o, 'Bench AI');
      const token = owner.idToken;
      const ws = expectStatus(
        await api<{ id: string }>('POST', '/workspaces', { token, body: { name: 'AI bench' } }),
        201,
        'workspace',
      );
      const project = expectStatus(
        await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
          token,
          body: { name: 'AI bench', key: 'AIB' },
        }),
        201,
        'project',
      );
      const task = expectStatus(
        await api<{ id: string }>('POST', `/projects/${project.id}/tasks`, {
          token,
          body: {
            title: 'Launch the pricing page',
            description:
              '- [ ] Write the comparison table\n- [ ] Add the FAQ\n- [ ] Wire the checkout button',
          },
        }),
        201,
        'task',
      );
      const live = await LiveClient.connect(o.wsUrl, token);
      const pushed: number[] = [];
      const polled: number[] = [];
      try {
        for (let i = 0; i < WARM_UP + SAMPLES; i++) {
          const clicked = performance.now();
          const from = live.received.length;
          const { jobId } = expectStatus(
            await api<{ jobId: string }>('POST', `/tasks/${task.id}/ai-breakdown`, { token, body: {} }),
            202,
            'breakdown',
          );
          const isDone = (f: Frame) =>
            f.type === 'JOB_UPDATED' && f.entityId === jobId && (f.data as Job).status === 'completed';
          const polling = (async () => {
            for (;;) {
              const res = await api<Job>('GET', `/jobs/${jobId}`, { token });
              if (res.body.status === 'completed') return performance.now();
              if (res.body.status === 'failed') throw new Error(`job ${jobId} failed`);
              if (performance.now() - clicked > TIMEOUT_MS) throw new Error(`job ${jobId} never completed`);
              await sleep(POLL_MS);
            }
          })();
          await live.waitFor(isDone, TIMEOUT_MS, from);
          const frameAt = live.received.slice(from).find((r) => isDone(r.frame))!.receivedAt;
          const polledAt = await polling;
          if (i >= WARM_UP) {
            pushed.push(frameAt - clicked);
            polled.push(polledAt - clicked);
          }
        }
      } finally {
        await live.close();
      }
      report('pushed (JOB_UPDATED frame)', pushed);
      report(`polled (GET every ${POLL_MS} ms)`, polled);
      const p95 = percentile(
        [...pushed].sort((a, b) => a - b),
        95,
      );
      console.log(`  target p95 < 1500 ms: ${p95 < 1500 ? 'met' : 'NOT met'} (${p95.toFixed(0)} ms)`);
    },
  );
}
