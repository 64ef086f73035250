import { EventGate } from './gate.ts';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
let n = 0;
const event = (
  over: Partial<{ id: string; entityId: string; action: 'created' | 'updated' | 'deleted' | 'restored' }> & {
    version?: number;
    at?: number;
  } = {},
) => ({
  id: over.id ?? `E${String(++n).padStart(4, '0')}`,
  entityId: over.entityId ?? 'task-1',
  action: over.action ?? 'updated',
  ...(over.version !== undefined ? { version: over.version } : {}),
  at: iso(over.at ?? 0),
});

describe('EventGate.admit', () => {
  it('applies an event once: the same id again is a duplicate', () => {
    const gate = new EventGate();
    const e = event({ version: 2 });
    expect(gate.admit(e)).toBe('apply');
    expect(gate.admit(e)).toBe('duplicate');
  });

  it('skips an event whose version is not above the one known (a replay of an older change)', () => {
    const gate = new EventGate();
    expect(gate.admit(event({ version: 3 }))).toBe('apply');
    expect(gate.admit(event({ version: 2 }))).toBe('stale');
    expect(gate.admit(event({ version: 3 }))).toBe('stale');
    expect(gate.admit(event({ version: 4 }))).toBe('apply');
  });

  it("compares with the cache's version: the echo of the tab's own save is stale", () => {
    const gate = new EventGate();
    expect(gate.admit(event({ version: 5 }), 5)).toBe('stale');
    expect(gate.admit(event({ version: 6 }), 5)).toBe('apply');
  });

  it('note(): an own write answered first makes its echo stale; an echo first makes note() answer false', () => {
    const gate = new EventGate();
    expect(gate.note('comment-1', 1)).toBe(true);
    expect(gate.admit(event({ entityId: 'comment-1', action: 'created', version: 1 }))).toBe('stale');

    expect(gate.admit(event({ entityId: 'comment-2', action: 'created', version: 1 }))).toBe('apply');
    expect(gate.note('comment-2', 1)).toBe(false);
  });

  it('a deletion is not undone by an older update replayed later', () => {
    const gate = new EventGate();
    expect(gate.admit(event({ version: 4, at: 100 }))).toBe('apply');
    expect(gate.admit(event({ action: 'deleted', at: 300 }))).toBe('apply');
    // Version 5 was written before the deletion (at 200) but arrives after it, e.g. through catch-up.
    expect(gate.admit(event({ version: 5, at: 200 }))).toBe('stale');
  });

  it('a restore after the deletion applies (newer than the tombstone, with a version)', () => {
    const gate = new EventGate();
    gate.admit(event({ version: 4, at: 100 }));
    gate.admit(event({ action: 'deleted', at: 300 }));
    expect(gate.admit(event({ action: 'restored', version: 6, at: 400 }))).toBe('apply');
    expect(gate.admit(event({ version: 5, at: 200 }))).toBe('stale');
  });

  it('a hard-deleted entity stays deleted: its older creation replayed is stale', () => {
    const gate = new EventGate();
    expect(gate.admit(event({ entityId: 'c', action: 'deleted', at: 500 }))).toBe('apply');
    expect(gate.admit(event({ entityId: 'c', action: 'created', version: 1, at: 100 }))).toBe('stale');
  });

  it('keeps a bounded number of ids; an evicted replay is still caught by its version', () => {
    const gate = new EventGate(3);
    const first = event({ entityId: 'a', version: 1 });
    gate.admit(first);
    for (const id of ['b', 'c', 'd']) gate.admit(event({ entityId: id, version: 1 }));
    // `first` fell out of the id window, but its version is known.
    expect(gate.admit(first)).toBe('stale');
    // A versionless event evicted from the window would apply again: the window is there for those.
    const versionless = event({ entityId: 'x', action: 'updated' });
    expect(gate.admit(versionless)).toBe('apply');
    expect(gate.admit(versionless)).toBe('duplicate');
  });
});

describe('EventGate counters', () => {
  it('a child change older than the counters read is already in them', () => {
    const gate = new EventGate();
    gate.countersRead('t', T0 + 1000);
    expect(gate.countChild('t', T0 + 999)).toBe(false);
    expect(gate.countChild('t', T0 + 1000)).toBe(true);
    expect(gate.countChild('t', T0 + 2000)).toBe(true);
  });

  it('a task without a read counts every child change', () => {
    expect(new EventGate().countChild('t', T0)).toBe(true);
  });

  it("a task event's counters do not replace a newer child change already counted", () => {
    const gate = new EventGate();
    gate.countersRead('t', T0);
    gate.countChild('t', T0 + 300); // a comment at +300 arrived first
    expect(gate.takeEventCounters('t', T0 + 200)).toBe(false); // a rename at +200 arrives late
    expect(gate.takeEventCounters('t', T0 + 400)).toBe(true);
    // Its counters hold everything up to +400 now.
    expect(gate.countChild('t', T0 + 350)).toBe(false);
  });
});
