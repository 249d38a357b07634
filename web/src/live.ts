// The live connection: one WebSocket to /ws?token=<JWT>, subscribed to every channel the
// dashboard shows (logs for admins only). It reconnects by itself with exponential backoff,
// and reports its state so the page can say plainly when it is not live. Close code 1008
// means the token was refused.
import { api } from './api';
import { session } from './session';

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

type Handler = (msg: LiveMessage) => void;
type StateHandler = (state: LiveState, retryAt: number | null) => void;

export const kChannels = ['devices', 'gateways', 'sensor_data', 'ota', 'logs'] as const;

const kMinDelayMs = 500;
const kMaxDelayMs = 15_000;
const kPingEveryMs = 25_000;
// The server pings every 30 s; with our own pings answered too, silence this long means the
// connection is dead even if the socket has not noticed.
const kSilenceLimitMs = 70_000;

export class LiveConnection {
  private ws: WebSocket | null = null;
  private state: LiveState = 'stopped';
  private attempt = 0;
  private retryTimer: number | undefined;
  private pingTimer: number | undefined;
  private lastMessageAt = 0;
  private retryAt: number | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly stateHandlers = new Set<StateHandler>();

  start(): void {
    if (this.state !== 'stopped') return;
    this.attempt = 0;
    this.open();
  }

  stop(): void {
    this.setState('stopped');
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, 'logout');
    }
  }

  // Subscribe to a message type ('*' for all); returns the unsubscribe function.
  on(type: string, handler: Handler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  onState(handler: StateHandler): () => void {
    this.stateHandlers.add(handler);
    handler(this.state, this.retryAt);
    return () => this.stateHandlers.delete(handler);
  }

  current(): LiveState {
    return this.state;
  }

  private open(): void {
    const token = session.token();
    if (!token) {
      this.stop();
      return;
    }
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
    this.ws = ws;
    let opened = false;

    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.lastMessageAt = Date.now();
      // The logs channel is for administrators; the server refuses it to anyone else.
      for (const channel of kChannels)
        if (channel !== 'logs' || session.isAdmin()) this.send({ type: 'subscribe', channel });
      this.setState('open');
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => this.keepAlive(), kPingEveryMs);
    };
    ws.onmessage = (event) => {
      this.lastMessageAt = Date.now();
      let msg: LiveMessage;
      try {
        msg = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      if (!msg || typeof msg.type !== 'string') return;
      this.dispatch(msg);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      window.clearInterval(this.pingTimer);
      if (event.code === 1008) {
        this.stop();
        session.expire('Your session has expired. Please log in again.');
        return;
      }
      // A refused upgrade (HTTP 401 instead of close 1008) looks like any network failure
      // to a browser; asking the API tells the two apart, and a 401 there ends the session.
      if (!opened) api.me().catch(() => undefined);
      this.scheduleRetry();
    };
  }

  private keepAlive(): void {
    if (Date.now() - this.lastMessageAt > kSilenceLimitMs) {
      this.ws?.close(4001, 'silent');
      return;
    }
    this.send({ type: 'ping' });
  }

  private scheduleRetry(): void {
    if (this.state === 'stopped') return;
    const base = Math.min(kMaxDelayMs, kMinDelayMs * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting');
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => {
      this.retryAt = null;
      if (this.state !== 'stopped') this.open();
    }, delay);
  }

  private send(msg: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private dispatch(msg: LiveMessage): void {
    for (const key of [msg.type, '*']) {
      const set = this.handlers.get(key);
      if (!set) continue;
      for (const handler of [...set]) {
        try {
          handler(msg);
        } catch (e) {
          console.error('live handler failed', e);
        }
      }
    }
  }

  private setState(state: LiveState): void {
    this.state = state;
    if (state !== 'reconnecting') this.retryAt = null;
    for (const handler of this.stateHandlers) handler(state, this.retryAt);
  }
}

// Fields of a message may sit at its top level (as in the README's examples) or under `data`.
export function payload(msg: LiveMessage): Record<string, unknown> {
  const data = msg.data;
  if (msg.type !== 'sensor_data' && data && typeof data === 'object' && !Array.isArray(data)) {
    return { ...(data as Record<string, unknown>), ...msg, data: undefined };
  }
  return msg;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}
