import fs from 'node:fs';
import http from 'node:http';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { signInLocalUser, signUpLocalUser, type LocalUser } from './users.ts';

/** The running test stack's outputs (written by the stack itself once everything is ready). */
export function outputs(): LocalOutputs {
  const file = process.env.TEAMFLOW_TEST_OUTPUTS;
  if (!file) throw new Error('TEAMFLOW_TEST_OUTPUTS is not set: run integration tests through jest');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalOutputs;
}

/**
 * Invokes a function of the test stack (its physical name) through the local Lambda Invoke API, as an event
 * source or schedule would; its answer, or an error when the function failed (X-Amz-Function-Error).
 */
export async function invokeFunction<T>(physicalName: string, event: unknown): Promise<T> {
  const res = await fetch(`${outputs().local.lambdaUrl}/2015-03-31/functions/${physicalName}/invocations`, {
    method: 'POST',
    body: JSON.stringify(event),
  });
  const body = (await res.json()) as T;
  if (res.headers.get('x-amz-function-error')) {
    throw new Error(`${physicalName} failed: ${JSON.stringify(body)}`);
  }
  return body;
}

export type TestUser = LocalUser;

/** Signs a new person up on the test stack (SignUp → ConfirmSignUp → InitiateAuth), as the web app does. */
export const signUpUser = (name?: string): Promise<TestUser> => signUpLocalUser(outputs(), name);

export const signIn = (email: string, password: string) => signInLocalUser(outputs(), email, password);

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Calls the API at the contract's apiUrl (the web origin's /api), with an optional bearer token. `fromIp` sends
 * from another loopback address (127.x.y.z), as a request from another client machine would arrive.
 */
export async function api<T = Record<string, unknown>>(
  path: string,
  options: {
    method?: string;
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    fromIp?: string;
  } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const url = `${outputs().apiUrl}${path}`;
  const method = options.method ?? 'GET';
  const response = options.fromIp
    ? await requestFrom(options.fromIp, url, method, headers, body)
    : await fetch(url, { method, headers, body }).then(async (r) => ({
        status: r.status,
        headers: r.headers,
        text: await r.text(),
      }));
  const text = response.text;
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

function requestFrom(
  localAddress: string,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
) {
  return new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const req = http.request(url, { method, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: new Headers(
            Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]),
          ),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A loopback address no other test uses: a client of its own for per-IP limits. */
export const uniqueIp = () =>
  `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 250)}`;

/** Polls until `probe` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function expectErrorShape(body: unknown, code: string) {
  const error = (body as { error?: Record<string, unknown> }).error;
  expect(error).toEqual(
    expect.objectContaining({ code, message: expect.any(String), requestId: expect.any(String) }),
  );
}

/** What the SES emulator keeps of a sent email (`GET <mailUrl>/store`). */
export interface StoredMail {
  from: string;
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

/** The newest email to `address` whose subject matches, once it has arrived. */
export async function mailTo(address: string, subject: RegExp = /./): Promise<StoredMail> {
  return eventually(async () => {
    const res = await fetch(`${outputs().mailUrl}/store`);
    if (!res.ok) return undefined;
    const { emails = [] } = (await res.json()) as { emails?: StoredMail[] };
    return emails.filter((m) => m.destination.to.includes(address) && subject.test(m.subject)).at(-1);
    // Generous: mail goes stream → queue → worker, and other suites may be loading the machine meanwhile.
  }, 60_000);
}

/** Invites a new person with `role`, reads the invitation email, and accepts it as them. */
export async function addMember(owner: TestUser, workspaceId: string, role: string): Promise<TestUser> {
  const person = await signUpUser(`A ${role}`);
  const invite = await api(`/workspaces/${workspaceId}/invitations`, {
    method: 'POST',
    token: owner.idToken,
    body: { email: person.email, role },
  });
  if (invite.status !== 201)
    throw new Error(`invite failed: ${invite.status} ${JSON.stringify(invite.body)}`);
  const token = invitationToken(await mailTo(person.email, /^Join /));
  // Each person accepts from a machine of their own (the accept limit is per client IP).
  const accepted = await api(`/invitations/${token}/accept`, {
    method: 'POST',
    token: person.idToken,
    fromIp: uniqueIp(),
  });
  if (accepted.status !== 200)
    throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return person;
}

export function invitationToken(mail: StoredMail): string {
  const token = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail.body.text ?? '')?.[1];
  if (!token) throw new Error(`no invitation link in: ${mail.body.text}`);
  return token;
}

/** A member of each role below owner, plus someone who is not a member: the cast of every roles test. */
export async function addTeam(owner: TestUser, workspaceId: string) {
  const [admin, member, viewer, outsider] = await Promise.all([
    addMember(owner, workspaceId, 'admin'),
    addMember(owner, workspaceId, 'member'),
    addMember(owner, workspaceId, 'viewer'),
    signUpUser('Outsider'),
  ]);
  return { admin, member, viewer, outsider };
}

/** The cast addTeam makes. */
export type Team = Awaited<ReturnType<typeof addTeam>>;
