// The platform at a glance: inventory, ingest, broker and database, refreshed every few seconds
// and whenever something changes state.
import { api, errorMessage, type PlatformStatus } from '../api';
import type { AppContext, Page } from '../app';
import { h, replaceChildren } from '../dom';
import { bytes, dateTime, duration, num } from '../format';
import { payload, str, type LiveMessage } from '../live';

const kRefreshMs = 5000;
const kFeedSize = 15;

function card(title: string, testid: string, ...body: (HTMLElement | string)[]): HTMLElement {
  return h('div', { class: 'card stat', 'data-testid': testid }, h('h2', null, title), ...body);
}

function big(value: string, label?: string): HTMLElement {
  return h('div', { class: 'stat-main' }, h('span', { class: 'stat-value' }, value), label ? h('span', { class: 'stat-label' }, label) : null);
}

function line(label: string, value: string | HTMLElement, tone?: 'ok' | 'bad'): HTMLElement {
  return h('div', { class: 'stat-line' }, h('span', null, label), h('span', { class: tone ? `tone-${tone}` : undefined }, value));
}

export function overviewPage(ctx: AppContext): Page {
  const grid = h('div', { class: 'cards', 'data-testid': 'overview-cards' }, h('p', { class: 'muted' }, 'Loading…'));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const feed = h('ol', { class: 'feed', 'data-testid': 'activity' });
  const el = h(
    'section',
    { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', null, 'Overview')),
    error,
    grid,
    h('div', { class: 'card' }, h('h2', null, 'Live activity'), feed, h('p', { class: 'muted small feed-empty' }, 'Status changes and OTA progress appear here as they happen.')),
  );

  let prev: { at: number; received: number } | null = null;
  let liveReadings: number[] = [];

  const paint = (s: PlatformStatus) => {
    const st = s.stats ?? {};
    const devices = st.devices ?? 0;
    const online = st.devices_online;
    const ing = s.ingest ?? {};
    let rate = ing.messages_per_second;
    const now = Date.now();
    if (rate === undefined && typeof ing.messages_received === 'number') {
      if (prev && now > prev.at) rate = ((ing.messages_received - prev.received) * 1000) / (now - prev.at);
      prev = { at: now, received: ing.messages_received };
    }
    liveReadings = liveReadings.filter((t) => now - t < 10_000);
    const mqtt = s.mqtt ?? {};
    const db = s.database;
    const dbBad = db?.connected === false || (db?.status !== undefined && !['ok', 'connected', 'operational'].includes(db.status));
    replaceChildren(
      grid,
      card(
        'Devices',
        'card-devices',
        big(num(devices), 'registered'),
        line('Online', online === undefined ? '—' : num(online), 'ok'),
        line('Offline', online === undefined ? '—' : num(devices - online), online !== undefined && devices - online > 0 ? 'bad' : undefined),
      ),
      card(
        'Gateways',
        'card-gateways',
        big(num(st.gateways ?? 0), 'registered'),
        line('Online', st.gateways_online === undefined ? '—' : num(st.gateways_online), 'ok'),
        line('Nodes', st.nodes === undefined ? '—' : `${num(st.nodes)}${st.nodes_online !== undefined ? ` (${num(st.nodes_online)} online)` : ''}`),
      ),
      card(
        'Ingest',
        'card-ingest',
        big(rate === undefined ? `${num(liveReadings.length / 10, 1)}` : num(rate, 1), 'messages / s'),
        line('Received', num(ing.messages_received)),
        line('Rejected', num(ing.messages_rejected), ing.messages_rejected ? 'bad' : undefined),
        line('Backlog', num(ing.backlog)),
      ),
      card(
        'Broker',
        'card-broker',
        big(mqtt.connected ? 'Connected' : 'Disconnected'),
        line('Address', mqtt.broker ?? '—'),
        mqtt.embedded !== undefined ? line('Embedded', mqtt.embedded ? 'yes' : 'no') : '',
      ),
      card(
        'Database',
        'card-database',
        big(dbBad ? 'Unavailable' : 'Available'),
        line('Type', db?.type ?? '—'),
        line('Size', bytes(db?.size_bytes)),
      ),
      card(
        'System',
        'card-system',
        big(s.status ?? '—'),
        line('Version', s.version ?? '—'),
        line('Uptime', duration(s.uptime)),
      ),
    );
    grid.querySelector('[data-testid=card-broker] .stat-value')?.classList.add(mqtt.connected ? 'tone-ok' : 'tone-bad');
    grid.querySelector('[data-testid=card-database] .stat-value')?.classList.add(dbBad ? 'tone-bad' : 'tone-ok');
    grid.querySelector('[data-testid=card-system] .stat-value')?.classList.add(s.status === 'operational' ? 'tone-ok' : 'tone-bad');
  };

  let loading = false;
  let again = false;
  const refresh = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      paint(await api.status());
      error.hidden = true;
    } catch (e) {
      error.textContent = `Could not read the platform status: ${errorMessage(e)}`;
      error.hidden = false;
    } finally {
      loading = false;
      if (again) {
        again = false;
        window.setTimeout(refresh, 200);
      }
    }
  };

  const addFeed = (text: string, status: string | undefined, time: string | undefined) => {
    const item = h('li', null, h('time', null, dateTime(time ?? new Date().toISOString())), ' ', text, status ? ` — ${status}` : '');
    feed.prepend(item);
    while (feed.children.length > kFeedSize) feed.lastElementChild?.remove();
  };

  let statusTimer: number | undefined;
  const soon = () => {
    window.clearTimeout(statusTimer);
    statusTimer = window.setTimeout(refresh, 300);
  };
  const offs = [
    ctx.live.on('device_status', (m: LiveMessage) => {
      const p = payload(m);
      addFeed(`Device ${str(p.device_id) ?? '?'}`, str(p.status), str(p.timestamp));
      soon();
    }),
    ctx.live.on('gateway_status', (m: LiveMessage) => {
      const p = payload(m);
      addFeed(`Gateway ${str(p.gateway_id) ?? '?'}`, str(p.status), str(p.timestamp));
      soon();
    }),
    ctx.live.on('ota_update', (m: LiveMessage) => {
      const p = payload(m);
      addFeed(`OTA ${str(p.device_id) ?? '?'} ${str(p.firmware_version) ?? ''}`, str(p.status), str(p.timestamp));
    }),
    ctx.live.on('sensor_data', () => liveReadings.push(Date.now())),
  ];

  void refresh();
  const timer = window.setInterval(refresh, kRefreshMs);
  return {
    title: 'Overview',
    el,
    destroy() {
      window.clearInterval(timer);
      window.clearTimeout(statusTimer);
      offs.forEach((off) => off());
    },
  };
}
