import { HEARTBEAT_INTERVAL_MS, type ServerFrame } from '../../../shared/schemas/websocket.ts';
import {
  BACKOFF_CAP_MS,
  backoffDelay,
  CONNECT_TIMEOUT_MS,
  LiveSocket,
  PROBE_TIMEOUT_MS,
  type SocketLike,
  type SocketOptions,
  type SocketState,
} from './socket.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed?: number;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closed = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  /** The server or the network closed it (or the handshake was refused, before open). */
  lose() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
}

/** Lets the awaited token and session checks settle. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setup(over: Partial<SocketOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const states: SocketState[] = [];
  let online = true;
  const options: SocketOptions = {
    url: 'ws://localhost:4000/local',
    token: jest.fn(async () => 'tok.en'),
    checkSession: jest.fn(async () => undefined),
    create: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    online: () => online,
    onOpen: jest.fn(),
    onFrame: jest.fn(),
    onState: (s) => states.push(s),
    random: () => 0.5,
    now: () => Date.now(),
    ...over,
  };
  const live = new LiveSocket(options);
  return {
    live,
    options,
    sockets,
    states,
    last: () => sockets[sockets.length - 1]!,
    setOnline: (value: boolean) => (online = value),
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('backoffDelay', () => {
  it('doubles from about a second up to the 30 s cap, with jitter in the upper half', () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(3, () => 0.5)).toBe(6000);
    expect(backoffDelay(10, () => 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(50, () => 0)).toBe(BACKOFF_CAP_MS / 2);
  });
});

describe('LiveSocket', () => {
  it('connects with the ID token in the query string and reports open', async () => {
    const { live, last, options, states } = setup();
    live.start();
    await settle();
    expect(last().url).toBe('ws://localhost:4000/local?token=tok.en');
    last().open();
    expect(options.onOpen).toHaveBeenCalledTimes(1);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('reconnects with growing delays, and starts over once a frame arrives', async () => {
    const { live, sockets, last } = setup();
    live.start();
    await settle();
    last().open();
    last().lose();
    // attempt 0: 750 ms (random 0.5)
    jest.advanceTimersByTime(749);
    await settle();
    expect(sockets).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(sockets).toHaveLength(2);
    last().lose(); // refused before open
    jest.advanceTimersByTime(1499); // attempt 1: 1500 ms
    await settle();
    expect(sockets).toHaveLength(2);
    jest.advanceTimersByTime(1);
    await settle();
    expect(sockets).toHaveLength(3);
    last().open();
    last().receive({ type: 'pong' });
    last().lose();
    jest.advanceTimersByTime(750); // back to attempt 0
    await settle();
    expect(sockets).toHaveLength(4);
  });

  it('checks the session (renewing a refused token) before retrying a handshake that never opened', async () => {
    const { live, last, options } = setup();
    live.start();
    await settle();
    last().lose();
    jest.advanceTimersByTime(1000);
    await settle();
    expect(options.checkSession).toHaveBeenCalledTimes(1);
    last().open();
    last().lose();
    jest.advanceTimersByTime(1000);
    await settle();
    // This one had opened: the token was fine.
    expect(options.checkSession).toHaveBeenCalledTimes(1);
  });

  it('pings every heartbeat and replaces a link that stays silent for two heartbeats', async () => {
    const { live, sockets, last } = setup();
    live.start();
    await settle();
    const first = last();
    first.open();
    jest.advanceTimersByTime(HEARTBEAT_INTERVAL_MS);
    expect(first.sent).toEqual([{ action: 'ping' }]);
    jest.advanceTimersByTime(2 * HEARTBEAT_INTERVAL_MS);
    expect(first.closed).toBe(4000);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(sockets).toHaveLength(2);
  });

  it('a link that answers pongs stays', async () => {
    const { live, sockets, last } = setup();
    live.start();
    await settle();
    last().open();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(HEARTBEAT_INTERVAL_MS);
      last().receive({ type: 'pong' });
    }
    expect(sockets).toHaveLength(1);
    expect(last().closed).toBeUndefined();
  });

  it('goes offline with the browser and reconnects at once when the network is back', async () => {
    const { live, sockets, last, states, setOnline } = setup();
    live.start();
    await settle();
    last().open();
    setOnline(false);
    live.drop();
    await settle();
    expect(last().closed).toBe(4000);
    expect(states.at(-1)).toBe('offline');
    setOnline(true);
    live.wake();
    await settle();
    expect(sockets).toHaveLength(2);
    expect(states.at(-1)).toBe('retrying');
  });

  it('probes an open link after a wake-up and replaces it when no answer comes', async () => {
    const { live, sockets, last } = setup();
    live.start();
    await settle();
    last().open();
    live.wake();
    expect(last().sent).toEqual([{ action: 'ping' }]);
    jest.advanceTimersByTime(PROBE_TIMEOUT_MS);
    expect(sockets[0]!.closed).toBe(4000);
  });

  it('gives up a handshake that hangs', async () => {
    const { live, last } = setup();
    live.start();
    await settle();
    jest.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    expect(last().closed).toBe(4000);
  });

  it('stop() closes the socket and no reconnect follows; no token stops too', async () => {
    const { live, sockets, last } = setup();
    live.start();
    await settle();
    last().open();
    live.stop();
    expect(last().closed).toBe(1000);
    jest.advanceTimersByTime(60_000);
    await settle();
    expect(sockets).toHaveLength(1);

    const signedOut = setup({ token: async () => null });
    signedOut.live.start();
    await settle();
    expect(signedOut.sockets).toHaveLength(0);
    expect(signedOut.live.current).toBe('stopped');
  });

  it('hands parsed frames on and ignores what is not a frame', async () => {
    const { live, last, options } = setup();
    live.start();
    await settle();
    last().open();
    last().onmessage?.({ data: 'not json' } as MessageEvent);
    last().receive({ type: 'pong' });
    expect(options.onFrame).toHaveBeenCalledTimes(1);
    expect(options.onFrame).toHaveBeenCalledWith({ type: 'pong' });
  });
});
