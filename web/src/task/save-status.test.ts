import type { OutboxEntry } from '../offline/outbox-logic.ts';
import { waitingMessage } from './save-status.ts';

const NOW = 1_000_000;
const entry = (over: Partial<OutboxEntry>): OutboxEntry => ({
  id: 'e',
  seq: 1,
  userId: 'u',
  kind: 'edit',
  taskId: 't',
  taskKey: 'WEB-1',
  projectId: 'p',
  body: { title: 'New' },
  version: 1,
  sent: true,
  attempts: 1,
  notBefore: NOW,
  createdAt: NOW,
  ...over,
});

describe("what the task panel says about this task's changes waiting after a failure", () => {
  it('nothing while no send has failed', () => {
    expect(waitingMessage(undefined, [], NOW)).toBeNull();
    expect(waitingMessage(entry({ attempts: 0 }), [entry({ attempts: 0 })], NOW)).toBeNull();
    // Another task's change failed, none of this task waits.
    expect(waitingMessage(entry({ taskId: 'other', lastError: 'rate' }), [], NOW)).toBeNull();
  });

  it("after a 429: which fields, and when it is tried again (the server's Retry-After)", () => {
    const head = entry({ lastError: 'rate', notBefore: NOW + 36_200 });
    const waiting = [head, entry({ id: 'f', body: { description: 'x', priority: 'high' } })];
    expect(waitingMessage(head, waiting, NOW)).toBe(
      'Title, Description and Priority not saved yet: too many requests. TeamFlow will try again in 37 seconds.',
    );
  });

  it('offline: saved once back online; a move is a status change', () => {
    const move = entry({ kind: 'move', body: { status: 'done' }, lastError: 'network' });
    expect(waitingMessage(move, [move], NOW)).toBe(
      'Status not saved yet: no connection. It is saved once you are back online.',
    );
  });
});
