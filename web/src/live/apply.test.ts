import { QueryClient } from '@tanstack/react-query';
import type { Comment } from '../../../shared/schemas/comments.ts';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Subtask } from '../../../shared/schemas/subtasks.ts';
import type { Activity, ChangeType, Task } from '../../../shared/schemas/tasks.ts';
import type { Attachment, AttachmentWithUrl } from '../../../shared/schemas/attachments.ts';
import type { AttachmentEvent, LiveChangeEvent } from '../../../shared/schemas/websocket.ts';
import { flatten, type ColumnData } from '../board/board-logic.ts';
import { keys } from '../lib/data.ts';
import {
  applyAttachmentEvent,
  applyEvent,
  applyFetchedTask,
  applyOwnComment,
  type ApplyContext,
} from './apply.ts';
import { EventGate } from './gate.ts';

const P = 'W.P';
const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const task = (id: string, over: Partial<Task> = {}): Task =>
  ({
    id,
    key: `K-${id}`,
    projectId: P,
    title: `Task ${id}`,
    description: null,
    status: 'todo',
    priority: 'medium',
    dueDate: null,
    assigneeIds: [],
    labelIds: [],
    sprintId: null,
    rank: 'm',
    commentCount: 0,
    subtaskCount: 0,
    subtasksDone: 0,
    deletedAt: null,
    version: 1,
    ...over,
  }) as Task;

let seq = 0;
const event = (over: Partial<LiveChangeEvent> & { type: ChangeType }): LiveChangeEvent => {
  const entityType = over.type.startsWith('COMMENT')
    ? 'comment'
    : over.type.startsWith('SUBTASK')
      ? 'subtask'
      : over.type.startsWith('SPRINT')
        ? 'sprint'
        : over.type.startsWith('PROJECT')
          ? 'project'
          : 'task';
  return {
    id: `01J0000000000000000000${String(++seq).padStart(4, '0')}`,
    projectId: P,
    entityType,
    entityId: 'a',
    taskId: 'a',
    action: 'updated',
    actorId: 'alex',
    at: at(1000),
    changes: {},
    data: null,
    ...over,
  };
};

const columnKey = (status: string, filters = '{}') => [...keys.column(P), status, filters];
const page = (items: Task[]): ColumnData => ({ pages: [{ items, nextCursor: null }], pageParams: [null] });
const titles = (client: QueryClient, status: string, filters = '{}') =>
  flatten(client.getQueryData<ColumnData>(columnKey(status, filters))).map((t) => t.title);

function setup(board: Partial<Record<string, Task[]>> = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { gcTime: Infinity } } });
  for (const status of ['todo', 'in_progress', 'done'])
    client.setQueryData(columnKey(status), page(board[status] ?? []));
  const ctx: ApplyContext = {
    client,
    gate: new EventGate(),
    today: '2026-03-02',
    rereadTask: jest.fn(),
    refresh: jest.fn(),
    remoteChange: jest.fn(),
  };
  return { client, ctx };
}

describe('task events on the board', () => {
  it('a move by someone else lands in the new column at its rank, and the open panel follows', () => {
    const { client, ctx } = setup({
      todo: [task('a', { rank: 'b' }), task('b', { rank: 'c' })],
      in_progress: [
        task('x', { rank: 'b', status: 'in_progress' }),
        task('y', { rank: 'd', status: 'in_progress' }),
      ],
    });
    client.setQueryData(keys.task('a'), task('a', { rank: 'b' }));
    const moved = task('a', { status: 'in_progress', rank: 'c', version: 2 });
    expect(applyEvent(ctx, event({ type: 'TASK_MOVED', action: 'moved', version: 2, data: moved }))).toBe(
      'apply',
    );
    expect(titles(client, 'todo')).toEqual(['Task b']);
    expect(titles(client, 'in_progress')).toEqual(['Task x', 'Task a', 'Task y']);
    expect(client.getQueryData<Task>(keys.task('a'))?.status).toBe('in_progress');
    expect(ctx.remoteChange).toHaveBeenCalledWith(expect.objectContaining({ taskId: 'a', actorId: 'alex' }));
  });

  it("the echo of the tab's own save (same version in the cache) changes nothing", () => {
    const saved = task('a', { title: 'Mine', version: 3 });
    const { client, ctx } = setup({ todo: [saved] });
    const before = client.getQueryData(columnKey('todo'));
    const echo = event({ type: 'TASK_UPDATED', version: 3, data: { ...saved, title: 'Mine' } });
    expect(applyEvent(ctx, echo)).toBe('stale');
    expect(client.getQueryData(columnKey('todo'))).toBe(before);
  });

  it('the same event twice (live, then caught up) is applied once', () => {
    const { client, ctx } = setup({ todo: [task('a')] });
    const e = event({ type: 'TASK_UPDATED', version: 2, data: task('a', { title: 'Renamed', version: 2 }) });
    expect(applyEvent(ctx, e)).toBe('apply');
    expect(applyEvent(ctx, e)).toBe('duplicate');
    expect(titles(client, 'todo')).toEqual(['Renamed']);
  });

  it('a deleted task is not brought back by an older update replayed later', () => {
    const { client, ctx } = setup({ todo: [task('a', { version: 4 })] });
    client.setQueryData(keys.task('a'), task('a', { version: 4 }));
    applyEvent(
      ctx,
      event({
        type: 'TASK_DELETED',
        action: 'deleted',
        at: at(3000),
        changes: { deletedAt: { from: null, to: at(3000) } },
      }),
    );
    expect(titles(client, 'todo')).toEqual([]);
    expect(client.getQueryData<Task>(keys.task('a'))?.deletedAt).toBe(at(3000));
    const older = event({
      type: 'TASK_UPDATED',
      version: 5,
      at: at(2000),
      data: task('a', { version: 5, title: 'Ghost' }),
    });
    expect(applyEvent(ctx, older)).toBe('stale');
    expect(titles(client, 'todo')).toEqual([]);
    // A restore (newer, with a version) brings it back.
    applyEvent(
      ctx,
      event({
        type: 'TASK_RESTORED',
        action: 'restored',
        version: 7,
        at: at(4000),
        data: task('a', { version: 7 }),
      }),
    );
    expect(titles(client, 'todo')).toEqual(['Task a']);
  });

  it('a new task appears only in columns whose filters it matches', () => {
    const { client, ctx } = setup();
    const mine = JSON.stringify({ assignee: 'me' });
    client.setQueryData(columnKey('todo', mine), page([]));
    const created = task('n', { title: 'New', assigneeIds: ['alex'] });
    applyEvent(
      ctx,
      event({ type: 'TASK_CREATED', action: 'created', entityId: 'n', version: 1, data: created }),
    );
    expect(titles(client, 'todo')).toEqual(['New']);
    expect(titles(client, 'todo', mine)).toEqual([]);
  });

  it('a partial event (too big for a frame) re-reads the task instead', () => {
    const { ctx } = setup({ todo: [task('a')] });
    expect(applyEvent(ctx, event({ type: 'TASK_UPDATED', version: 2, partial: true }))).toBe('reread');
    expect(ctx.rereadTask).toHaveBeenCalledWith('a');
  });

  it("a task event's older counters do not overwrite a newer comment already counted", () => {
    const { client, ctx } = setup({ todo: [task('a')] });
    applyEvent(
      ctx,
      event({
        type: 'COMMENT_CREATED',
        action: 'created',
        entityId: 'c1',
        version: 1,
        at: at(2000),
        data: { id: 'c1', version: 1 },
      }),
    );
    const renamed = task('a', { title: 'Renamed', version: 2, commentCount: 0 });
    applyEvent(ctx, event({ type: 'TASK_UPDATED', version: 2, at: at(1500), data: renamed }));
    const shown = flatten(client.getQueryData<ColumnData>(columnKey('todo')))[0]!;
    expect(shown).toMatchObject({ title: 'Renamed', commentCount: 1 });
  });

  it('a history already loaded gets the event as its newest line', () => {
    const { client, ctx } = setup({ todo: [task('a')] });
    client.setQueryData<Activity[]>([...keys.activity('a'), 1], []);
    const e = event({
      type: 'TASK_UPDATED',
      version: 2,
      data: task('a', { version: 2 }),
      changes: { title: { from: 'x', to: 'y' } },
    });
    applyEvent(ctx, e);
    expect(client.getQueryData<Activity[]>([...keys.activity('a'), 1])?.map((a) => a.id)).toEqual([e.id]);
  });
});

describe('comments and subtasks', () => {
  const comment = (id: string): Comment =>
    ({ id, taskId: 'a', projectId: P, body: id, version: 1 }) as Comment;
  const count = (client: QueryClient) =>
    flatten(client.getQueryData<ColumnData>(columnKey('todo')))[0]!.commentCount;

  it("someone's comment is listed in the open panel and counted on the card and the panel", () => {
    const { client, ctx } = setup({ todo: [task('a')] });
    client.setQueryData(keys.task('a'), task('a'));
    client.setQueryData<Comment[]>(keys.comments('a'), []);
    applyEvent(
      ctx,
      event({ type: 'COMMENT_CREATED', action: 'created', entityId: 'c1', version: 1, data: comment('c1') }),
    );
    expect(client.getQueryData<Comment[]>(keys.comments('a'))?.map((c) => c.id)).toEqual(['c1']);
    expect(count(client)).toBe(1);
    expect(client.getQueryData<Task>(keys.task('a'))?.commentCount).toBe(1);
  });

  it('my own comment is counted once, whether its answer or its event comes first', () => {
    const first = setup({ todo: [task('a')] });
    expect(applyOwnComment(first.ctx, comment('c1'))).toBe(true);
    applyEvent(
      first.ctx,
      event({ type: 'COMMENT_CREATED', action: 'created', entityId: 'c1', version: 1, data: comment('c1') }),
    );
    expect(count(first.client)).toBe(1);

    const second = setup({ todo: [task('a')] });
    applyEvent(
      second.ctx,
      event({ type: 'COMMENT_CREATED', action: 'created', entityId: 'c1', version: 1, data: comment('c1') }),
    );
    expect(applyOwnComment(second.ctx, comment('c1'))).toBe(false);
    expect(count(second.client)).toBe(1);
  });

  it('a comment older than the board read is already in its count (catch-up overlap)', () => {
    const { client, ctx } = setup({ todo: [task('a', { commentCount: 1 })] });
    ctx.gate.countersRead('a', T0 + 5000);
    applyEvent(
      ctx,
      event({
        type: 'COMMENT_CREATED',
        action: 'created',
        entityId: 'c1',
        version: 1,
        at: at(4000),
        data: comment('c1'),
      }),
    );
    expect(count(client)).toBe(1);
    applyEvent(ctx, event({ type: 'COMMENT_DELETED', action: 'deleted', entityId: 'c1', at: at(6000) }));
    expect(count(client)).toBe(0);
  });

  it('a deleted comment is not brought back by its creation replayed', () => {
    const { client, ctx } = setup({ todo: [task('a', { commentCount: 1 })] });
    client.setQueryData<Comment[]>(keys.comments('a'), [comment('c1')]);
    applyEvent(ctx, event({ type: 'COMMENT_DELETED', action: 'deleted', entityId: 'c1', at: at(6000) }));
    applyEvent(
      ctx,
      event({
        type: 'COMMENT_CREATED',
        action: 'created',
        entityId: 'c1',
        version: 1,
        at: at(1000),
        data: comment('c1'),
      }),
    );
    expect(client.getQueryData<Comment[]>(keys.comments('a'))).toEqual([]);
    expect(count(client)).toBe(0);
  });

  it('subtasks: checked off counts done; a deletion takes done from the checklist, or re-reads the task', () => {
    const { client, ctx } = setup({ todo: [task('a', { subtaskCount: 1, subtasksDone: 0 })] });
    const subtask = { id: 's1', taskId: 'a', done: false, version: 1 } as Subtask;
    client.setQueryData<Subtask[]>(keys.subtasks('a'), [subtask]);
    applyEvent(
      ctx,
      event({
        type: 'SUBTASK_CHANGED',
        entityId: 's1',
        version: 2,
        changes: { done: { from: false, to: true } },
        data: { ...subtask, done: true, version: 2 },
      }),
    );
    const shown = () => flatten(client.getQueryData<ColumnData>(columnKey('todo')))[0]!;
    expect(shown()).toMatchObject({ subtaskCount: 1, subtasksDone: 1 });
    applyEvent(ctx, event({ type: 'SUBTASK_CHANGED', action: 'deleted', entityId: 's1', at: at(2000) }));
    expect(shown()).toMatchObject({ subtaskCount: 0, subtasksDone: 0 });
    expect(client.getQueryData<Subtask[]>(keys.subtasks('a'))).toEqual([]);

    applyEvent(
      ctx,
      event({ type: 'SUBTASK_CHANGED', action: 'deleted', entityId: 's-unknown', at: at(3000) }),
    );
    expect(ctx.rereadTask).toHaveBeenCalledWith('a');
  });

  it('a task read again gives the counters as of its read, and later events count on top', () => {
    const { client, ctx } = setup({ todo: [task('a', { commentCount: 5 })] });
    applyFetchedTask(ctx, task('a', { commentCount: 2 }), T0 + 2000);
    expect(count(client)).toBe(2);
    applyEvent(
      ctx,
      event({
        type: 'COMMENT_CREATED',
        action: 'created',
        entityId: 'c1',
        version: 1,
        at: at(1000),
        data: comment('c1'),
      }),
    );
    expect(count(client)).toBe(2);
    applyEvent(
      ctx,
      event({
        type: 'COMMENT_CREATED',
        action: 'created',
        entityId: 'c2',
        version: 1,
        at: at(3000),
        data: comment('c2'),
      }),
    );
    expect(count(client)).toBe(3);
  });
});

describe('attachments', () => {
  const file = (id: string): Attachment => ({
    id,
    taskId: 'a',
    projectId: P,
    workspaceId: 'W',
    fileName: `${id}.pdf`,
    contentType: 'application/pdf',
    size: 100,
    status: 'ready',
    uploadedBy: 'alex',
    createdAt: at(0),
    readyAt: at(1000),
  });
  const listed = (id: string): AttachmentWithUrl => ({ ...file(id), downloadUrl: `https://files/${id}` });
  const ready = (id: string): AttachmentEvent => ({
    type: 'ATTACHMENT_READY',
    id: `${id}:ready`,
    projectId: P,
    entityId: id,
    taskId: 'a',
    actorId: 'alex',
    at: at(1000),
    data: file(id),
  });
  const deleted = (id: string): AttachmentEvent => ({
    ...ready(id),
    type: 'ATTACHMENT_DELETED',
    id: `${id}:deleted`,
    at: at(5000),
    data: null,
  });
  const cardCount = (client: QueryClient) =>
    flatten(client.getQueryData<ColumnData>(columnKey('todo')))[0]?.attachmentCount;

  it("a file someone made ready refreshes the task's list and re-reads the task for its count, once", () => {
    const { client, ctx } = setup({ todo: [task('a', { attachmentCount: 0 })] });
    expect(applyAttachmentEvent(ctx, ready('f1'))).toBe('reread');
    expect(ctx.refresh).toHaveBeenCalledWith(keys.attachments('a'));
    expect(ctx.rereadTask).toHaveBeenCalledWith('a');
    // Redelivered (the stream's retry): nothing again.
    expect(applyAttachmentEvent(ctx, ready('f1'))).toBe('duplicate');
    expect(ctx.refresh).toHaveBeenCalledTimes(1);
    expect(ctx.rereadTask).toHaveBeenCalledTimes(1);
    // The read brings the count to the card, and an older task event does not take it back.
    applyFetchedTask(ctx, task('a', { attachmentCount: 1 }), T0 + 2000);
    expect(cardCount(client)).toBe(1);
    const renamed = task('a', { title: 'Renamed', version: 2, attachmentCount: 0 });
    applyEvent(ctx, event({ type: 'TASK_UPDATED', version: 2, at: at(1500), data: renamed }));
    expect(flatten(client.getQueryData<ColumnData>(columnKey('todo')))[0]).toMatchObject({
      title: 'Renamed',
      attachmentCount: 1,
    });
  });

  it('a task not on screen is not read again; its list, if cached, still refreshes', () => {
    const { ctx } = setup();
    expect(applyAttachmentEvent(ctx, ready('f1'))).toBe('apply');
    expect(ctx.refresh).toHaveBeenCalledWith(keys.attachments('a'));
    expect(ctx.rereadTask).not.toHaveBeenCalled();
  });

  it('a deleted file leaves the open list at once, and its readiness replayed later does not matter', () => {
    const { client, ctx } = setup({ todo: [task('a', { attachmentCount: 2 })] });
    client.setQueryData(keys.attachments('a'), [listed('f1'), listed('f2')]);
    expect(applyAttachmentEvent(ctx, deleted('f1'))).toBe('reread');
    expect(client.getQueryData<AttachmentWithUrl[]>(keys.attachments('a'))?.map((f) => f.id)).toEqual(['f2']);
    expect(ctx.rereadTask).toHaveBeenCalledWith('a');
    expect(ctx.refresh).not.toHaveBeenCalled();
    expect(applyAttachmentEvent(ctx, ready('f1'))).toBe('stale');
    expect(ctx.refresh).not.toHaveBeenCalled();
  });
});

describe('project and sprints', () => {
  it('a renamed project updates the board header, once', () => {
    const { client, ctx } = setup();
    const project = { id: P, workspaceId: 'W', name: 'Old', key: 'KEY', version: 1 } as Project;
    client.setQueryData([...keys.projectByKey, 'KEY'], project);
    const renamed = { ...project, name: 'New', version: 2 };
    expect(
      applyEvent(
        ctx,
        event({ type: 'PROJECT_UPDATED', entityId: P, taskId: null, version: 2, data: renamed }),
      ),
    ).toBe('apply');
    expect(client.getQueryData<Project>([...keys.projectByKey, 'KEY'])?.name).toBe('New');
    expect(
      applyEvent(
        ctx,
        event({ type: 'PROJECT_UPDATED', entityId: P, taskId: null, version: 2, data: renamed }),
      ),
    ).toBe('stale');
  });

  it('a sprint change updates the sprint list and refreshes its burndown', () => {
    const { client, ctx } = setup();
    client.setQueryData(keys.sprints(P), [{ id: 'S', name: 'Sprint 1', version: 1 }]);
    applyEvent(
      ctx,
      event({
        type: 'SPRINT_UPDATED',
        entityId: 'S',
        taskId: null,
        version: 2,
        data: { id: 'S', name: 'Sprint 1', status: 'active', version: 2 },
      }),
    );
    expect(client.getQueryData<{ status?: string }[]>(keys.sprints(P))?.[0]?.status).toBe('active');
    expect(ctx.refresh).toHaveBeenCalledWith(keys.burndown('S'));
  });
});
