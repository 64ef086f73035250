import { functions } from '../functions.ts';
import { LocalScheduler, nextRun, parseSchedule, scheduledEvent } from './scheduler.ts';

describe('local schedules', () => {
  test('cron minute and hour fields: the next matching minute, UTC', () => {
    const daily = parseSchedule('cron(0 16 * * ? *)');
    expect(nextRun(daily, new Date('2026-05-11T15:59:30Z')).toISOString()).toBe('2026-05-11T16:00:00.000Z');
    // Exactly at the time: the next one is tomorrow's (a run never fires twice for one time).
    expect(nextRun(daily, new Date('2026-05-11T16:00:00Z')).toISOString()).toBe('2026-05-12T16:00:00.000Z');
    const lists = parseSchedule('cron(*/15 8-9,17 ? * * *)');
    expect(nextRun(lists, new Date('2026-05-11T09:50:00Z')).toISOString()).toBe('2026-05-11T17:00:00.000Z');
    expect(nextRun(lists, new Date('2026-05-11T08:14:00Z')).toISOString()).toBe('2026-05-11T08:15:00.000Z');
  });

  test('rate expressions count from the start', () => {
    const hourly = parseSchedule('rate(1 hour)');
    const start = new Date('2026-05-11T10:20:00Z');
    expect(nextRun(hourly, start, start).toISOString()).toBe('2026-05-11T11:20:00.000Z');
    expect(nextRun(hourly, new Date('2026-05-11T11:20:00Z'), start).toISOString()).toBe(
      '2026-05-11T12:20:00.000Z',
    );
  });

  test('what it cannot run faithfully is refused, not ignored', () => {
    expect(() => parseSchedule('cron(0 16 1 * ? *)')).toThrow('daily or hourly');
    expect(() => parseSchedule('cron(0 16 ? * MON-FRI *)')).toThrow('daily or hourly');
    expect(() => parseSchedule('cron(0 25 * * ? *)')).toThrow('out of range');
    expect(() => parseSchedule('at(2026-05-11T10:00:00)')).toThrow('Unsupported');
  });

  test('every schedule of infra/functions.ts runs locally', () => {
    for (const definition of Object.values(functions)) {
      if ('schedule' in definition) expect(() => parseSchedule(definition.schedule.expression)).not.toThrow();
    }
  });

  test("the event is EventBridge's Scheduled Event, its time the scheduled time", () => {
    expect(scheduledEvent('teamflow-local-daily', new Date('2026-05-11T16:00:00.000Z'), 'us-east-1')).toEqual(
      {
        version: '0',
        id: expect.any(String),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: '2026-05-11T16:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:000000000000:rule/teamflow-local-daily'],
        detail: {},
      },
    );
  });

  test('invokes at the scheduled time and retries a failed invocation like an asynchronous invoke', async () => {
    jest.useFakeTimers({ now: new Date('2026-05-11T15:58:00Z') });
    try {
      const times: string[] = [];
      let failures = 1;
      const scheduler = new LocalScheduler({
        ruleName: 'teamflow-local-daily',
        schedule: { expression: 'cron(0 16 * * ? *)', description: 'test' },
        region: 'us-east-1',
        invoke: async (event) => {
          times.push(event.time);
          if (failures-- > 0) throw new Error('boom');
        },
        logger: () => undefined,
        retryDelaysMs: [60_000, 120_000],
        clock: () => new Date(Date.now()),
      });
      scheduler.start();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(times).toEqual([]);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(times).toEqual(['2026-05-11T16:00:00Z']);
      await jest.advanceTimersByTimeAsync(60_000);
      // The retry carries the same event time (the function works out the same day).
      expect(times).toEqual(['2026-05-11T16:00:00Z', '2026-05-11T16:00:00Z']);
      await jest.advanceTimersByTimeAsync(24 * 3_600_000);
      expect(times).toHaveLength(3);
      expect(times[2]).toBe('2026-05-12T16:00:00Z');
      await scheduler.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
