// Every device with its live status and when it was last heard from. The list is virtualised
// and updated in place from the WebSocket, so it stays usable with thousands of devices.
import { api, errorMessage, type Device } from '../api';
import type { AppContext, Page } from '../app';
import { VirtualList } from '../components/virtual-list';
import { badge, field, h } from '../dom';
import { ago, dateTime, isOnline, parseTime } from '../format';
import { payload, str } from '../live';

type SortKey = 'id' | 'name' | 'seen' | 'status';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function devicesPage(ctx: AppContext): Page {
  const devices = new Map<string, Device>();
  let sort: SortKey = 'id';
  let filterText = '';
  let filterStatus = '';

  const list = new VirtualList<Device>(
    (d) =>
      h(
        'div',
        { class: 'vrow device-row', role: 'row', 'data-device-id': d.device_id },
        h('span', { class: 'cell cell-id', role: 'cell' }, h('a', { href: `#/devices/${encodeURIComponent(d.device_id)}` }, d.device_id)),
        h('span', { class: 'cell cell-name', role: 'cell' }, d.name && d.name !== d.device_id ? d.name : ''),
        h('span', { class: 'cell cell-type', role: 'cell' }, d.type ?? ''),
        h('span', { class: 'cell cell-status', role: 'cell' }, badge(isOnline(d.status) ? 'online' : d.status ?? 'unknown')),
        h('span', { class: 'cell cell-seen', role: 'cell', title: dateTime(d.last_seen) }, ago(d.last_seen)),
        h('span', { class: 'cell cell-fw', role: 'cell' }, d.firmware_version ?? ''),
      ),
    'device-list',
  );

  const summary = h('p', { class: 'muted', 'data-testid': 'device-summary' }, 'Loading…');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const search = h('input', {
    type: 'search',
    placeholder: 'Search id, name or type',
    'aria-label': 'Search devices',
    oninput: () => {
      filterText = search.value.trim().toLowerCase();
      rebuild();
    },
  });
  const statusSel = h(
    'select',
    {
      'aria-label': 'Status',
      onchange: () => {
        filterStatus = statusSel.value;
        rebuild();
      },
    },
    h('option', { value: '' }, 'Any status'),
    h('option', { value: 'online' }, 'Online'),
    h('option', { value: 'offline' }, 'Offline'),
  );
  const sortSel = h(
    'select',
    {
      'aria-label': 'Sort by',
      onchange: () => {
        sort = sortSel.value as SortKey;
        rebuild();
      },
    },
    h('option', { value: 'id' }, 'Sort: device id'),
    h('option', { value: 'name' }, 'Sort: name'),
    h('option', { value: 'seen' }, 'Sort: last seen'),
    h('option', { value: 'status' }, 'Sort: offline first'),
  );

  const rebuild = () => {
    let items = [...devices.values()];
    if (filterText) {
      items = items.filter((d) =>
        [d.device_id, d.name ?? '', d.type ?? ''].some((s) => s.toLowerCase().includes(filterText)),
      );
    }
    if (filterStatus) items = items.filter((d) => (isOnline(d.status) ? 'online' : 'offline') === filterStatus);
    const byId = (a: Device, b: Device) => collator.compare(a.device_id, b.device_id);
    const cmp: Record<SortKey, (a: Device, b: Device) => number> = {
      id: byId,
      name: (a, b) => collator.compare(a.name ?? a.device_id, b.name ?? b.device_id) || byId(a, b),
      seen: (a, b) => (parseTime(b.last_seen) ?? 0) - (parseTime(a.last_seen) ?? 0) || byId(a, b),
      status: (a, b) => Number(isOnline(a.status)) - Number(isOnline(b.status)) || byId(a, b),
    };
    items.sort(cmp[sort]);
    list.setItems(items);
    let online = 0;
    for (const d of devices.values()) if (isOnline(d.status)) online++;
    summary.textContent =
      `${devices.size.toLocaleString()} devices · ${online.toLocaleString()} online · ${(devices.size - online).toLocaleString()} offline` +
      (items.length !== devices.size ? ` · ${items.length.toLocaleString()} shown` : '');
  };

  // Live events can arrive hundreds per second; repaint at most a few times a second.
  let pending = 0;
  const scheduleRebuild = () => {
    if (pending) return;
    pending = window.setTimeout(() => {
      pending = 0;
      rebuild();
    }, 150);
  };

  let reloadTimer: number | undefined;
  const load = async () => {
    try {
      const rows = await api.devices();
      const fresh = new Map(rows.map((d) => [d.device_id, d]));
      // Keep what live events said about devices that are newer than this snapshot.
      for (const [id, d] of devices) if (!fresh.has(id)) fresh.set(id, d);
      devices.clear();
      for (const [id, d] of fresh) devices.set(id, d);
      error.hidden = true;
      rebuild();
    } catch (e) {
      error.textContent = `Could not load devices: ${errorMessage(e)}`;
      error.hidden = false;
    }
  };
  // A device we have not seen yet: show it at once, then fetch its full record.
  const discovered = (id: string, seen: Partial<Device>) => {
    devices.set(id, { device_id: id, name: id, status: 'online', ...seen });
    window.clearTimeout(reloadTimer);
    reloadTimer = window.setTimeout(load, 1000);
  };

  const offs = [
    ctx.live.on('device_status', (m) => {
      const p = payload(m);
      const id = str(p.device_id);
      if (!id) return;
      const status = str(p.status) ?? 'online';
      const d = devices.get(id);
      if (d) {
        d.status = status;
        if (isOnline(status)) d.last_seen = str(p.timestamp) ?? d.last_seen;
      } else discovered(id, { status, last_seen: str(p.timestamp) });
      scheduleRebuild();
    }),
    ctx.live.on('sensor_data', (m) => {
      if (m.source_type !== 'device') return;
      const id = str(m.source_id);
      if (!id) return;
      const at = str(m.timestamp) ?? new Date().toISOString();
      const d = devices.get(id);
      if (d) {
        d.last_seen = at;
        d.status = 'online';
      } else discovered(id, { last_seen: at });
      scheduleRebuild();
    }),
  ];
  const tick = window.setInterval(() => list.refresh(), 5000);

  const head = h(
    'div',
    { class: 'vrow vhead device-row', role: 'row' },
    ...['Device', 'Name', 'Type', 'Status', 'Last seen', 'Firmware'].map((t, i) =>
      h('span', { class: ['cell', ['cell-id', 'cell-name', 'cell-type', 'cell-status', 'cell-seen', 'cell-fw'][i]], role: 'columnheader' }, t),
    ),
  );

  const el = h(
    'section',
    { class: 'page page-fill' },
    h('div', { class: 'page-head' }, h('h1', null, 'Devices'), ctx.isAdmin ? registerForm(ctx, load) : null),
    h('div', { class: 'toolbar' }, search, statusSel, sortSel),
    summary,
    error,
    h('div', { class: 'table-like', role: 'table', 'aria-label': 'Devices' }, head, list.el),
  );

  void load();
  return {
    title: 'Devices',
    el,
    destroy() {
      offs.forEach((off) => off());
      window.clearInterval(tick);
      window.clearTimeout(pending);
      window.clearTimeout(reloadTimer);
      list.destroy();
    },
  };
}

function registerForm(ctx: AppContext, reload: () => Promise<void>): HTMLElement {
  const id = h('input', { name: 'device_id', required: true, placeholder: 'Device0001', pattern: '[A-Za-z0-9_.:\\-]+' });
  const name = h('input', { name: 'name', placeholder: 'optional' });
  const type = h('input', { name: 'type', placeholder: 'e.g. ESP32' });
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await api.createDevice({ device_id: id.value.trim(), name: name.value.trim() || undefined, type: type.value.trim() || undefined });
          ctx.toast(`Device ${id.value.trim()} registered`, 'ok');
          form.reset();
          details.open = false;
          await reload();
        } catch (err) {
          ctx.toast(errorMessage(err), 'error');
        }
      },
    },
    field('Device id', id),
    field('Name', name),
    field('Type', type),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Register'),
  );
  const details = h('details', { class: 'write-control popover' }, h('summary', { class: 'btn' }, 'Register device'), form);
  return details;
}
