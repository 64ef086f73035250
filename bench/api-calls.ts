/**
 * DynamoDB requests per API call, for every route built so far: runs one realistic request of each against a
 * local stack whose functions report, per request, the DynamoDB operations they sent (x-dynamodb-calls).
 * Goal: one Query/GetItem (or BatchGetItem with the membership) per read, one transaction per write, plus the
 * per-user rate-limit counter (one UpdateItem on every signed-in request).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnLocalStack } from '../infra/local/spawn.ts';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { signUpLocalUser, type LocalUser } from '../test/users.ts';

interface Step {
  route: string;
  status: number;
  calls: Record<string, number>;
}

async function call(
  o: LocalOutputs,
  steps: Step[],
  route: string,
  path: string,
  options: { method?: string; user?: LocalUser; body?: unknown } = {},
) {
  const res = await fetch(`${o.local.gatewayUrl}/api${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.user ? { authorization: `Bearer ${options.user.idToken}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  steps.push({ route, status: res.status, calls: JSON.parse(res.headers.get('x-dynamodb-calls') ?? '{}') });
  return (text ? JSON.parse(text) : {}) as Record<string, never>;
}

async function latestMailToken(o: LocalOutputs, to: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const { emails } = (await (await fetch(`${o.mailUrl}/store`)).json()) as {
      emails: Array<{ destination: { to: string[] }; body: { text?: string } }>;
    };
    const mail = emails.filter((m) => m.destination.to.includes(to)).at(-1);
    const token = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail?.body.text ?? '')?.[1];
    if (token) return token;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no invitation mail to ${to}`);
}

export async function apiCalls(root: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-bench-'));
  const stack = await spawnLocalStack({
    root,
    dataDir,
    web: false,
    env: { TEAMFLOW_ACCESS_LOG: '0', TEAMFLOW_EXPOSE_DB_CALLS: '1' },
  });
  try {
    const o = stack.outputs;
    const [owner, invitee] = await Promise.all([signUpLocalUser(o, 'Owner'), signUpLocalUser(o, 'Invitee')]);
    const steps: Step[] = [];
    await call(o, steps, 'GET /api/health', '/health');
    await call(o, steps, 'GET /api/me', '/me', { user: owner });
    await call(o, steps, 'PATCH /api/me', '/me', {
      method: 'PATCH',
      user: owner,
      body: { timezone: 'Europe/Paris' },
    });
    const ws = await call(o, steps, 'POST /api/workspaces', '/workspaces', {
      method: 'POST',
      user: owner,
      body: { name: 'Bench' },
    });
    await call(o, steps, 'GET /api/workspaces', '/workspaces', { user: owner });
    await call(o, steps, 'GET /api/workspaces/{id}', `/workspaces/${ws.id}`, { user: owner });
    await call(o, steps, 'PATCH /api/workspaces/{id}', `/workspaces/${ws.id}`, {
      method: 'PATCH',
      user: owner,
      body: { name: 'Bench 2', version: 1 },
    });
    await call(o, steps, 'POST .../invitations', `/workspaces/${ws.id}/invitations`, {
      method: 'POST',
      user: owner,
      body: { email: invitee.email, role: 'member' },
    });
    await call(o, steps, 'GET .../invitations', `/workspaces/${ws.id}/invitations`, { user: owner });
    const token = await latestMailToken(o, invitee.email);
    await call(o, steps, 'POST /api/invitations/{token}/accept', `/invitations/${token}/accept`, {
      method: 'POST',
      user: invitee,
    });
    await call(o, steps, 'GET .../members', `/workspaces/${ws.id}/members`, { user: owner });
    await call(o, steps, 'PATCH .../members/{userId}', `/workspaces/${ws.id}/members/${invitee.userId}`, {
      method: 'PATCH',
      user: owner,
      body: { role: 'admin' },
    });
    const project = await call(o, steps, 'POST .../projects', `/workspaces/${ws.id}/projects`, {
      method: 'POST',
      user: owner,
      body: { name: 'Bench', key: 'BEN' },
    });
    await call(o, steps, 'GET .../projects', `/workspaces/${ws.id}/projects`, { user: owner });
    await call(o, steps, 'GET /api/projects/{id}', `/projects/${project.id}`, { user: owner });
    await call(o, steps, 'PATCH /api/projects/{id}', `/projects/${project.id}`, {
      method: 'PATCH',
      user: owner,
      body: { name: 'Bench 2', version: 1 },
    });
    const label = await call(o, steps, 'POST .../labels', `/workspaces/${ws.id}/labels`, {
      method: 'POST',
      user: owner,
      body: { name: 'bug', color: '#ff0000' },
    });
    await call(o, steps, 'GET .../labels', `/workspaces/${ws.id}/labels`, { user: owner });
    await call(o, steps, 'PATCH /api/labels/{id}', `/labels/${label.id}`, {
      method: 'PATCH',
      user: owner,
      body: { name: 'defect', version: 1 },
    });
    await call(o, steps, 'DELETE /api/labels/{id}', `/labels/${label.id}`, { method: 'DELETE', user: owner });
    await call(o, steps, 'DELETE /api/projects/{id}', `/projects/${project.id}?version=2`, {
      method: 'DELETE',
      user: owner,
    });
    await call(o, steps, 'DELETE .../members/{userId}', `/workspaces/${ws.id}/members/${invitee.userId}`, {
      method: 'DELETE',
      user: owner,
    });
    await call(o, steps, 'DELETE /api/workspaces/{id}', `/workspaces/${ws.id}`, {
      method: 'DELETE',
      user: owner,
    });

    console.log(
      '\n## DynamoDB requests per API call (incl. the rate-limit UpdateItem on signed-in requests)',
    );
    for (const step of steps) {
      const total = Object.values(step.calls).reduce((a, b) => a + b, 0);
      const detail = Object.entries(step.calls)
        .map(([op, n]) => `${op}${n > 1 ? ` x${n}` : ''}`)
        .join(', ');
      console.log(
        `${step.route.padEnd(40)} ${String(step.status).padEnd(4)} ${String(total).padStart(2)}  ${detail}`,
      );
    }
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
