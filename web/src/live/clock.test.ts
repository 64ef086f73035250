import { ServerClock } from './clock.ts';

const http = (ms: number) => new Date(ms).toUTCString();
const SERVER = Date.parse('2026-03-02T10:00:00.000Z');

describe('ServerClock', () => {
  it('is the client clock until an answer was seen', () => {
    expect(new ServerClock().now(1234)).toBe(1234);
  });

  it('finds a client clock 3 minutes fast within a second from one answer', () => {
    const clock = new ServerClock();
    const skew = 3 * 60_000;
    // Sent and received 40 ms apart, the server answering at SERVER + 300 ms.
    clock.observe(http(SERVER + 300), SERVER + 280 + skew, SERVER + 320 + skew);
    expect(Math.abs(clock.offset() + skew)).toBeLessThan(1000);
  });

  it('narrows to the round trip as answers land at different points of the server second', () => {
    const clock = new ServerClock();
    const skew = -42_000;
    for (const at of [100, 450, 800, 990, 1010, 1500, 1930]) {
      const server = SERVER + at;
      clock.observe(http(server), server - 20 - skew, server + 20 - skew);
    }
    expect(Math.abs(clock.offset() - skew)).toBeLessThanOrEqual(60);
    expect(Math.abs(clock.now(SERVER - skew) - SERVER)).toBeLessThanOrEqual(60);
  });

  it('starts again when the client clock is changed (bounds that contradict the old ones)', () => {
    const clock = new ServerClock();
    clock.observe(http(SERVER), SERVER, SERVER + 10);
    expect(Math.abs(clock.offset())).toBeLessThan(1000);
    // The person sets their clock an hour back.
    clock.observe(http(SERVER + 5000), SERVER + 5000 - 3_600_000, SERVER + 5010 - 3_600_000);
    expect(Math.abs(clock.offset() - 3_600_000)).toBeLessThan(1000);
  });

  it('an event stamp raises the lower bound: the server stamped it before it arrived', () => {
    const clock = new ServerClock();
    clock.observeStamp(new Date(SERVER).toISOString(), SERVER - 5000);
    expect(clock.offset()).toBe(5000);
  });

  it('ignores a missing or malformed header', () => {
    const clock = new ServerClock();
    clock.observe(null, 1, 2);
    clock.observe('not a date', 1, 2);
    expect(clock.offset()).toBe(0);
  });
});
