// BLE and LoRa gateways, and the sensor nodes behind each of them.
import { ApiError, api, errorMessage, type Gateway, type GatewayNode } from '../api';
import type { AppContext, Page } from '../app';
import { badge, emptyRow, h, replaceChildren } from '../dom';
import { ago, dateTime, isOnline } from '../format';
import { payload, str, type LiveMessage } from '../live';

function statusBadge(status: string | undefined): HTMLElement {
  return badge(isOnline(status) ? 'online' : status ?? 'unknown');
}

function table(headers: string[], body: HTMLTableSectionElement, label: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { 'aria-label': label }, h('thead', null, h('tr', null, ...headers.map((t) => h('th', null, t)))), body),
  );
}

// Reload at most once a second however many events ask for it.
function debounced(fn: () => void, ms = 1000): { run(): void; cancel(): void } {
  let timer: number | undefined;
  return {
    run() {
      if (timer === undefined) {
        timer = window.setTimeout(() => {
          timer = undefined;
          fn();
        }, ms);
      }
    },
    cancel() {
      window.clearTimeout(timer);
    },
  };
}

function nodeGateway(m: LiveMessage): string | undefined {
  const data = (m.data && typeof m.data === 'object' ? m.data : {}) as Record<string, unknown>;
  return str(m.gateway_id) ?? str(data.gateway_id);
}

export function gatewaysPage(ctx: AppContext): Page {
  const gateways = new Map<string, Gateway>();
  const body = h('tbody');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const paint = () => {
    const rows = [...gateways.values()].sort((a, b) => a.gateway_id.localeCompare(b.gateway_id, undefined, { numeric: true }));
    replaceChildren(
      body,
      rows.length === 0
        ? emptyRow(6, 'No gateways yet. They register themselves when their first message arrives.')
        : rows.map((g) =>
            h(
              'tr',
              { 'data-gateway-id': g.gateway_id },
              h('td', null, h('a', { href: `#/gateways/${encodeURIComponent(g.gateway_id)}` }, g.gateway_id)),
              h('td', null, g.name && g.name !== g.gateway_id ? g.name : ''),
              h('td', null, g.type ?? ''),
              h('td', null, statusBadge(g.status)),
              h('td', { class: 'num' }, String(g.node_count ?? '—')),
              h('td', { title: dateTime(g.last_seen) }, ago(g.last_seen)),
            ),
          ),
    );
  };
  const load = async () => {
    try {
      const rows = await api.gateways();
      gateways.clear();
      for (const g of rows) gateways.set(g.gateway_id, g);
      error.hidden = true;
      paint();
    } catch (e) {
      error.textContent = `Could not load gateways: ${errorMessage(e)}`;
      error.hidden = false;
    }
  };
  const reload = debounced(() => void load());

  const offs = [
    ctx.live.on('gateway_status', (m) => {
      const p = payload(m);
      const id = str(p.gateway_id);
      if (!id) return;
      const g = gateways.get(id);
      if (!g) return reload.run();
      g.status = str(p.status) ?? g.status;
      if (isOnline(g.status)) g.last_seen = str(p.timestamp) ?? g.last_seen;
      paint();
    }),
    ctx.live.on('sensor_data', (m) => {
      if (m.source_type !== 'node') return;
      const gid = nodeGateway(m);
      const g = gid ? gateways.get(gid) : undefined;
      if (!g) return reload.run();
      g.last_seen = str(m.timestamp) ?? new Date().toISOString();
      g.status = 'online';
      paint();
    }),
  ];
  const tick = window.setInterval(paint, 5000);

  void load();
  return {
    title: 'Gateways',
    el: h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'Gateways')),
      error,
      h('div', { class: 'card' }, table(['Gateway', 'Name', 'Type', 'Status', 'Nodes', 'Last seen'], body, 'Gateways')),
    ),
    destroy() {
      offs.forEach((off) => off());
      reload.cancel();
      window.clearInterval(tick);
    },
  };
}

export function gatewayPage(ctx: AppContext, params: Record<string, string>): Page {
  const id = params.id;
  let gateway: Gateway | null = null;
  const nodes = new Map<string, GatewayNode>();
  const facts = h('dl', { class: 'facts' });
  const body = h('tbody');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const paintGateway = () => {
    if (!gateway) return;
    replaceChildren(
      facts,
      h('dt', null, 'Status'),
      h('dd', null, statusBadge(gateway.status)),
      h('dt', null, 'Last seen'),
      h('dd', { title: dateTime(gateway.last_seen) }, ago(gateway.last_seen)),
      h('dt', null, 'Type'),
      h('dd', null, gateway.type || '—'),
      h('dt', null, 'Nodes'),
      h('dd', null, String(nodes.size || gateway.node_count || 0)),
    );
  };
  const paintNodes = () => {
    const rows = [...nodes.values()].sort((a, b) => (a.name ?? a.mac).localeCompare(b.name ?? b.mac, undefined, { numeric: true }));
    replaceChildren(
      body,
      rows.length === 0
        ? emptyRow(5, 'No nodes have reported through this gateway yet.')
        : rows.map((n) =>
            h(
              'tr',
              { 'data-node-mac': n.mac },
              h('td', null, n.name ?? n.mac),
              h('td', { class: 'mono' }, n.mac),
              h('td', null, n.type ?? ''),
              h('td', null, statusBadge(n.status)),
              h('td', { title: dateTime(n.last_seen) }, ago(n.last_seen)),
            ),
          ),
    );
  };
  const load = async () => {
    try {
      const [g, list] = await Promise.all([api.gateway(id), api.gatewayNodes(id)]);
      gateway = g;
      nodes.clear();
      for (const n of list) nodes.set(n.mac, n);
      error.hidden = true;
      paintGateway();
      paintNodes();
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 404 ? `There is no gateway ${id}.` : `Could not load the gateway: ${errorMessage(e)}`;
      error.hidden = false;
    }
  };
  const reload = debounced(() => void load());

  const offs = [
    ctx.live.on('gateway_status', (m) => {
      const p = payload(m);
      if (str(p.gateway_id) !== id || !gateway) return;
      gateway.status = str(p.status) ?? gateway.status;
      paintGateway();
    }),
    ctx.live.on('node_status', (m) => {
      const p = payload(m);
      if (str(p.gateway_id) !== id) return;
      const n = nodes.get(str(p.mac) ?? '');
      if (!n) return reload.run();
      n.status = str(p.status) ?? n.status;
      paintNodes();
    }),
    ctx.live.on('sensor_data', (m) => {
      if (m.source_type !== 'node' || nodeGateway(m) !== id) return;
      const at = str(m.timestamp) ?? new Date().toISOString();
      const data = (m.data && typeof m.data === 'object' ? m.data : {}) as Record<string, unknown>;
      // The node's key is its mac (or LoRa node id); the source id may carry either form.
      const mac = str(data.mac) ?? str(m.source_id) ?? '';
      const n = nodes.get(mac) ?? [...nodes.values()].find((x) => x.mac === str(m.source_id));
      if (!n) return reload.run();
      n.last_seen = at;
      n.status = 'online';
      if (gateway) {
        gateway.last_seen = at;
        gateway.status = 'online';
      }
      paintNodes();
      paintGateway();
    }),
  ];
  const tick = window.setInterval(() => {
    paintGateway();
    paintNodes();
  }, 5000);

  void load();
  return {
    title: id,
    el: h(
      'section',
      { class: 'page' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/gateways' }, 'Gateways'), ' / ', id),
      h('div', { class: 'page-head' }, h('h1', null, id)),
      error,
      h('div', { class: 'card' }, h('h2', null, 'Gateway'), facts),
      h('div', { class: 'card' }, h('h2', null, 'Nodes'), table(['Node', 'MAC / id', 'Type', 'Status', 'Last seen'], body, 'Nodes')),
    ),
    destroy() {
      offs.forEach((off) => off());
      reload.cancel();
      window.clearInterval(tick);
    },
  };
}
