/**
 * Notifications, event → visible: from an assignment's HTTP response (the event) to (1) the recipient's
 * NOTIFICATION frame on their WebSocket, (2) the notification listed by `GET /api/notifications?unread=true`
 * (polled every 50 ms), and (3) its email in the SES emulator's store (polled every 100 ms). The path: the
 * activity → DynamoDB Local's stream → notify → the notification item (→ broadcast → @connections → socket) and
 * the person's email batch → the email queue (fauxqs) → the email worker → SES. The batching window is set to
 * 0 s for the run, so (3) is the pipeline alone: in use it adds the window (3 s locally, 180 s in the cloud by
 * default), on purpose. Samples go one at a time.
 *
 * Settings: BENCH_NOTIFY_SAMPLES (default 40).
 */
import type { Notification } from '../shared/schemas/notifications.ts';
import { LiveClient, type Frame } from '../test/live-client.ts';
import { signUpLocalUser } from '../test/users.ts';
import { apiClient, expectStatus, inviteMembers, percentile, withBenchStack } from './load.ts';

const SAMPLES = Number(process.env.BENCH_NOTIFY_SAMPLES ?? 40);
const WARM_UP = 3;
const TIMEOUT_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function report(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (p: number) => `${percentile(sorted, p).toFixed(0).padStart(5)} ms`;
  console.log(`  ${label.padEnd(34)} p50 ${f(50)}  p95 ${f(95)}  max ${f(100)}  (${sorted.length} samples)`);
}

/** Polls `probe` every `everyMs` until it is true; the time from `since` then. */
async function until(since: number, everyMs: number, probe: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await probe()) return performance.now() - since;
    if (performance.now() - since > TIMEOUT_MS) throw new Error('timed out');
    await sleep(everyMs);
  }
}

export async function notify(root: string): Promise<void> {
  console.log('\n## notify: event → in-app notification and → email (batching window 0 s for the run)');
  await withBenchStack(
    root,
    { RATE_LIMIT_USER_PER_MINUTE: '0', TEAMFLOW_NOTIFICATION_EMAIL_WINDOW_SECONDS: '0' },
    async (stack) => {
      const o = stack.outputs;
      const api = apiClient(o, 8);
      const owner = await signUpLocalUser(o, 'Bench Notifier');
      const token = owner.idToken;
      const ws = expectStatus(
        await api<{ id: string }>('POST', '/workspaces', { token, body: { name: 'Notify bench' } }),
        201,
        'workspace',
      );
      const project = expectStatus(
        await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
          token,
          body: { name: 'Notify', key: 'NTFB' },
        }),
        201,
        'project',
      );
      const [person] = await inviteMembers(o, api, owner, ws.id, 1);
      const live = await LiveClient.connect(o.wsUrl, person!.idToken);
      const frames: number[] = [];
      const listed: number[] = [];
      const mailed: number[] = [];
      try {
        for (let i = 0; i < WARM_UP + SAMPLES; i++) {
          const task = expectStatus(
            await api<{ id: string; key: string }>('POST', `/projects/${project.id}/tasks`, {
              token,
              body: { title: `Notify ${i}`, assigneeIds: [person!.userId] },
            }),
            201,
            'task',
          );
          const at = performance.now();
          const isMine = (f: Frame) =>
            f.type === 'NOTIFICATION' && (f.data as Notification).taskId === task.id;
          const frame = live.waitFor(isMine, TIMEOUT_MS).then(() => {
            const received = live.received.find((r) => isMine(r.frame))!;
            return received.receivedAt - at;
          });
          const inApp = until(at, 50, async () => {
            const page = expectStatus(
              await api<{ items: Notification[] }>('GET', '/notifications?unread=true&limit=5', {
                token: person!.idToken,
              }),
              200,
              'notifications',
            );
            return page.items.some((n) => n.taskId === task.id);
          });
          const mail = until(at, 100, async () => {
            const res = await fetch(`${o.mailUrl}/store`);
            const { emails = [] } = (await res.json()) as { emails?: Array<{ subject: string }> };
            return emails.some((m) => m.subject.includes(task.key));
          });
          const [f, l, m] = await Promise.all([frame, inApp, mail]);
          if (i >= WARM_UP) {
            frames.push(f);
            listed.push(l);
            mailed.push(m);
          }
        }
      } finally {
        await live.close();
      }
      report('event → NOTIFICATION frame', frames);
      report('event → listed (GET, 50 ms polls)', listed);
      report('event → email in the SES store', mailed);
    },
  );
}
