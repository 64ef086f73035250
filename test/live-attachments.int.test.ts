import { marshall } from '@aws-sdk/util-dynamodb';
import type { Attachment, AttachmentUpload } from '#shared/schemas/attachments';
import { keys } from '#functions/store/keys';
import { physicalFunctionName } from '../infra/definitions.ts';
import { addMember, api, invokeFunction, outputs, signUpUser, type TestUser } from './support.ts';
import { createProject, createTask, createWorkspace, getTask, storedItem } from './fixtures.ts';
import { LiveClient, type Frame } from './live-client.ts';

/**
 * ATTACHMENT_READY (and our ATTACHMENT_DELETED) on the live board: the table's stream → the broadcast function →
 * the sockets subscribed to the project. Attachments write no activity, so these frames come from the attachment
 * item itself: pending → ready, ready → removed.
 */

const TEXT = Buffer.from('meeting notes\n');

const connect = (user: TestUser) => LiveClient.connect(outputs().wsUrl, user.idToken);
const about = (id: string) => (f: Frame) => f.entityId === id;

/** Creates a pending attachment and PUTs its file to storage, as the browser does (not confirmed). */
async function upload(user: TestUser, taskId: string, fileName: string): Promise<AttachmentUpload> {
  const res = await api<AttachmentUpload>(`/tasks/${taskId}/attachments`, {
    method: 'POST',
    token: user.idToken,
    body: { fileName, contentType: 'text/plain', size: TEXT.length },
  });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  const put = await fetch(res.body.uploadUrl, {
    method: 'PUT',
    headers: res.body.uploadHeaders,
    body: new Uint8Array(TEXT),
  });
  if (!put.ok) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  return res.body;
}

describe('live board: attachments', () => {
  let owner: TestUser;
  let member: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let projectId: string;
  const clients: LiveClient[] = [];
  const subscribed = async (user: TestUser) => {
    const client = await connect(user);
    clients.push(client);
    expect(await client.subscribe(projectId)).toEqual(expect.objectContaining({ type: 'subscribed' }));
    return client;
  };

  beforeAll(async () => {
    [owner, stranger] = await Promise.all([signUpUser('Olive Owner'), signUpUser('Stan Stranger')]);
    const workspaceId = await createWorkspace(owner, 'Live files');
    projectId = await createProject(owner, workspaceId);
    member = await addMember(owner, workspaceId, 'member');
    viewer = await addMember(owner, workspaceId, 'viewer');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it('sends one ATTACHMENT_READY at the confirm to everyone on the board, none for a pending upload', async () => {
    const task = await createTask(owner, projectId, { title: 'With files' });
    const [ownerSocket, viewerSocket] = await Promise.all([subscribed(owner), subscribed(viewer)]);
    const strangerSocket = await connect(stranger);
    clients.push(strangerSocket);
    await strangerSocket.subscribe(projectId); // refused: not a member

    // An upload cancelled before its confirm (the web app deletes it): nobody hears of it.
    const cancelled = await upload(member, task.id, 'draft.txt');
    expect(
      (await api(`/attachments/${cancelled.id}`, { method: 'DELETE', token: member.idToken })).status,
    ).toBe(204);

    const pending = await upload(member, task.id, 'notes.txt');
    const confirmed = await api<Attachment>(`/attachments/${pending.id}/confirm`, {
      method: 'POST',
      token: member.idToken,
    });
    expect(confirmed.status).toBe(200);

    for (const socket of [ownerSocket, viewerSocket]) {
      const frame = await socket.waitFor(about(pending.id), 10_000);
      expect(frame).toEqual({
        type: 'ATTACHMENT_READY',
        id: `${pending.id}:ready`,
        projectId,
        entityId: pending.id,
        taskId: task.id,
        actorId: member.userId,
        at: confirmed.body.readyAt,
        // The attachment as the list shows it, without a download URL (those are per caller).
        data: confirmed.body,
      });
      expect(frame.data).not.toHaveProperty('downloadUrl');
    }
    expect((await getTask(viewer, task.id)).attachmentCount).toBe(1);

    // Deleting it is the next change of the same item: records of one item reach the broadcast in order, so by
    // its frame any repeat of the confirm's (or a frame of the pending create before it) would have come.
    expect((await api(`/attachments/${pending.id}`, { method: 'DELETE', token: owner.idToken })).status).toBe(
      204,
    );
    for (const socket of [ownerSocket, viewerSocket]) {
      await socket.waitFor((f) => f.type === 'ATTACHMENT_DELETED' && f.entityId === pending.id, 10_000);
      expect(socket.frames.filter(about(pending.id)).map((f) => [f.type, f.id, f.data])).toEqual([
        ['ATTACHMENT_READY', `${pending.id}:ready`, confirmed.body],
        ['ATTACHMENT_DELETED', `${pending.id}:deleted`, null],
      ]);
      expect(socket.frames.filter(about(cancelled.id))).toEqual([]);
    }
    expect((await getTask(viewer, task.id)).attachmentCount).toBe(0);
    expect(strangerSocket.frames.filter((f) => String(f.type).startsWith('ATTACHMENT'))).toEqual([]);
  });

  it('gives a change the stream delivers again the same frame id (clients apply each id once)', async () => {
    const task = await createTask(owner, projectId, { title: 'Redelivered' });
    const socket = await subscribed(owner);
    const pending = await upload(owner, task.id, 'again.txt');
    await api(`/attachments/${pending.id}/confirm`, { method: 'POST', token: owner.idToken });
    const first = await socket.waitFor(about(pending.id), 10_000);

    // The same record again, as the stream's retry delivers it, straight to the broadcast function.
    const ready = (await storedItem(keys.attachment(task.id, pending.id)))!;
    const record = {
      eventID: 'redelivery',
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall(keys.attachment(task.id, pending.id)),
        NewImage: marshall(ready),
        OldImage: marshall({ ...ready, status: 'pending' }),
        SequenceNumber: '1',
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    const from = socket.received.length;
    await invokeFunction(physicalFunctionName('local', 'broadcast'), { Records: [record] });
    const again = await socket.waitFor(about(pending.id), 10_000, from);
    expect(again).toEqual(first);
  });
});
