// One device: what it is, its latest values, a live chart of its readings with a history range
// picker, and its firmware update history.
import { ApiError, api, errorMessage, type Device, type OtaUpdate, type Reading } from '../api';
import type { AppContext, Page } from '../app';
import { LiveChart, measurements, type Sample } from '../components/chart';
import { badge, emptyRow, field, h, replaceChildren } from '../dom';
import { ago, compact, dateTime, isOnline, isoToLocalInput, localInputToIso, parseTime } from '../format';
import { payload, str } from '../live';

interface Range {
  label: string;
  // Length of a rolling window ending now; null for the custom range.
  span: number | null;
}

const kOtaPage = 10;

const kRanges: Range[] = [
  { label: 'Live (1 h)', span: 3600_000 },
  { label: '6 h', span: 6 * 3600_000 },
  { label: '24 h', span: 24 * 3600_000 },
  { label: '7 days', span: 7 * 24 * 3600_000 },
  { label: 'Custom', span: null },
];

function readingToSample(r: Reading): Sample | null {
  const t = parseTime(r.timestamp);
  if (t === null) return null;
  return { t, values: measurements(r.type, r.value, r.data) };
}

export function devicePage(ctx: AppContext, params: Record<string, string>): Page {
  const id = params.id;
  let device: Device | null = null;
  let range = kRanges[0];
  let latest: Record<string, unknown> = {};
  let latestAt: string | undefined;

  const chart = new LiveChart();
  const info = h('dl', { class: 'facts', 'data-testid': 'device-info' });
  const latestBox = h('dl', { class: 'facts facts-values', 'data-testid': 'latest-values' });
  const chartNote = h('p', { class: 'muted small', 'data-testid': 'chart-note' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const otaBody = h('tbody');

  const now = Date.now();
  const startInput = h('input', { type: 'datetime-local', 'aria-label': 'From', value: isoToLocalInput(now - 24 * 3600_000) });
  const endInput = h('input', { type: 'datetime-local', 'aria-label': 'To', value: isoToLocalInput(now) });
  const limitSel = h(
    'select',
    { 'aria-label': 'At most', onchange: () => void loadReadings() },
    ...[100, 500, 1000].map((n) => h('option', { value: String(n), selected: n === 1000 }, `${n} readings`)),
  );
  const customBox = h(
    'form',
    {
      class: 'custom-range',
      hidden: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        void loadReadings();
      },
    },
    field('From', startInput),
    field('To', endInput),
    h('button', { type: 'submit', class: 'btn' }, 'Show'),
  );
  const rangeButtons = kRanges.map((r) =>
    h(
      'button',
      {
        type: 'button',
        class: ['seg', r === range && 'active'],
        'aria-pressed': String(r === range),
        onclick: () => {
          range = r;
          for (const b of rangeButtons) {
            const on = b.textContent === r.label;
            b.classList.toggle('active', on);
            b.setAttribute('aria-pressed', String(on));
          }
          customBox.hidden = r.span !== null;
          if (r.span !== null) void loadReadings();
        },
      },
      r.label,
    ),
  );

  const paintInfo = () => {
    if (!device) return;
    replaceChildren(
      info,
      h('dt', null, 'Status'),
      h('dd', { 'data-testid': 'device-status' }, badge(isOnline(device.status) ? 'online' : device.status ?? 'unknown')),
      h('dt', null, 'Last seen'),
      h('dd', { title: dateTime(device.last_seen) }, ago(device.last_seen)),
      h('dt', null, 'Name'),
      h('dd', null, device.name ?? '—'),
      h('dt', null, 'Type'),
      h('dd', null, device.type || '—'),
      h('dt', null, 'Firmware'),
      h('dd', { 'data-testid': 'device-firmware' }, device.firmware_version || '—'),
      h('dt', null, 'Registered'),
      h('dd', null, dateTime(device.created_at)),
    );
  };
  const paintLatest = () => {
    const entries = Object.entries(latest).filter(([k]) => k !== 'device_id');
    if (entries.length === 0) {
      replaceChildren(latestBox, h('p', { class: 'muted' }, 'No readings yet.'));
      return;
    }
    replaceChildren(
      latestBox,
      ...entries.flatMap(([k, v]) => [h('dt', null, k), h('dd', { 'data-field': k }, compact(v))]),
      h('dt', null, 'Received'),
      h('dd', { title: dateTime(latestAt) }, ago(latestAt)),
    );
  };
  const paintOta = (rows: OtaUpdate[]) => {
    replaceChildren(
      otaBody,
      rows.length === 0
        ? emptyRow(5, 'No firmware updates for this device yet.')
        : rows.map((r) =>
            h(
              'tr',
              { 'data-update-id': String(r.id), 'data-status': r.status },
              h('td', { title: `started ${dateTime(r.created_at)}` }, dateTime(r.updated_at ?? r.created_at)),
              h('td', null, r.firmware_version ?? '—', r.campaign_id ? h('small', { class: 'muted' }, ` · campaign #${r.campaign_id}`) : null),
              h('td', null, badge(r.status)),
              h('td', { class: 'num' }, typeof r.progress === 'number' ? `${Math.round(r.progress)} %` : ''),
              h('td', { class: 'tone-bad' }, r.error ?? ''),
            ),
          ),
    );
  };

  const title = h('h1', null, id);
  const loadDevice = async () => {
    try {
      device = await api.device(id);
      title.textContent = device.name && device.name !== id ? `${device.name} (${id})` : id;
      paintInfo();
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 404 ? `There is no device ${id}.` : `Could not load the device: ${errorMessage(e)}`;
      error.hidden = false;
    }
  };

  let generation = 0;
  const loadReadings = async () => {
    const mine = ++generation;
    let start: string | undefined;
    let end: string | undefined;
    if (range.span !== null) {
      start = new Date(Date.now() - range.span).toISOString();
    } else {
      start = localInputToIso(startInput.value);
      end = localInputToIso(endInput.value);
      if (start && end && start > end) {
        chartNote.textContent = 'The start of the range is after its end.';
        return;
      }
    }
    const limit = Number(limitSel.value);
    chartNote.textContent = 'Loading readings…';
    try {
      const rows = await api.deviceData(id, { start_date: start, end_date: end, limit });
      if (mine !== generation) return;
      const samples = rows.map(readingToSample).filter((s): s is Sample => s !== null);
      chart.setSamples(samples);
      const newest = [...rows].sort((a, b) => (parseTime(b.timestamp) ?? 0) - (parseTime(a.timestamp) ?? 0))[0];
      if (newest && !latestAt) {
        latest = { ...(newest.data ?? {}), ...(newest.type ? { type: newest.type } : {}), ...(newest.value !== undefined && newest.value !== null ? { value: newest.value } : {}) };
        latestAt = newest.timestamp;
        paintLatest();
      }
      chartNote.textContent =
        `${rows.length} readings` +
        (rows.length >= limit ? ` (the limit: narrow the range or raise the limit to see more)` : '') +
        (range.span === 3600_000 ? ' · new readings are added as they arrive' : '');
    } catch (e) {
      if (mine !== generation) return;
      chartNote.textContent = `Could not load readings: ${errorMessage(e)}`;
    }
  };
  let otaOffset = 0;
  let otaGeneration = 0;
  const otaNote = h('p', { class: 'muted small', 'data-testid': 'ota-history-status' });
  const otaPrev = h('button', { type: 'button', class: 'btn btn-small', disabled: true, onclick: () => ((otaOffset = Math.max(0, otaOffset - kOtaPage)), void loadOta()) }, '← Newer');
  const otaNext = h('button', { type: 'button', class: 'btn btn-small', disabled: true, onclick: () => ((otaOffset += kOtaPage), void loadOta()) }, 'Older →');
  const loadOta = async () => {
    const mine = ++otaGeneration;
    try {
      const { data, total } = await api.otaHistory(id, { limit: kOtaPage, offset: otaOffset });
      if (mine !== otaGeneration) return;
      paintOta(data);
      const last = otaOffset + data.length;
      otaNote.textContent = data.length ? `Updates ${otaOffset + 1}–${last}${total !== null ? ` of ${total}` : ''}` : '';
      otaPrev.disabled = otaOffset === 0;
      otaNext.disabled = total !== null ? last >= total : data.length < kOtaPage;
    } catch {
      if (mine !== otaGeneration) return;
      replaceChildren(otaBody, emptyRow(5, 'The firmware update history is not available.'));
    }
  };
  let otaTimer: number | undefined;
  const scheduleOta = () => {
    window.clearTimeout(otaTimer);
    otaTimer = window.setTimeout(() => void loadOta(), 150);
  };

  const offs = [
    ctx.live.on('sensor_data', (m) => {
      if (m.source_type !== 'device' || str(m.source_id) !== id) return;
      const data = (m.data && typeof m.data === 'object' ? m.data : {}) as Record<string, unknown>;
      const at = str(m.timestamp) ?? new Date().toISOString();
      latest = { ...data };
      latestAt = at;
      paintLatest();
      if (device) {
        device.last_seen = at;
        device.status = 'online';
        paintInfo();
      }
      if (range.span === 3600_000) {
        const t = parseTime(at) ?? Date.now();
        chart.append({ t, values: measurements(data.type, data.value, data) });
        chartNote.textContent = `${chart.count()} readings · new readings are added as they arrive`;
      }
    }),
    ctx.live.on('device_status', (m) => {
      const p = payload(m);
      if (str(p.device_id) !== id || !device) return;
      device.status = str(p.status) ?? device.status;
      paintInfo();
    }),
    ctx.live.on('ota_update', (m) => {
      const p = payload(m);
      if (str(p.device_id) !== id) return;
      if (str(p.status) === 'success' && device) {
        device.firmware_version = str(p.firmware_version) ?? device.firmware_version;
        paintInfo();
      }
      scheduleOta();
    }),
  ];
  const tick = window.setInterval(() => {
    paintInfo();
    paintLatest();
  }, 5000);

  const el = h(
    'section',
    { class: 'page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/devices' }, 'Devices'), ' / ', id),
    h(
      'div',
      { class: 'page-head' },
      title,
      ctx.isAdmin
        ? h(
            'div',
            { class: 'actions' },
            h('a', { class: 'btn write-control', href: `#/ota?device=${encodeURIComponent(id)}` }, 'Update firmware'),
            h('a', { class: 'btn write-control', href: `#/commands?device=${encodeURIComponent(id)}` }, 'Send command'),
          )
        : null,
    ),
    error,
    h(
      'div',
      { class: 'grid-2' },
      h('div', { class: 'card' }, h('h2', null, 'Device'), info),
      h('div', { class: 'card' }, h('h2', null, 'Latest values'), latestBox),
    ),
    h(
      'div',
      { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Readings'), h('div', { class: 'segmented', role: 'group', 'aria-label': 'Range' }, rangeButtons), limitSel),
      customBox,
      chart.el,
      chartNote,
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', null, 'Firmware updates'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'ota-history-table' },
          h('thead', null, h('tr', null, ...['Updated', 'Version', 'Status', 'Progress', 'Error'].map((t) => h('th', null, t)))),
          otaBody,
        ),
      ),
      h('div', { class: 'pager' }, otaPrev, otaNote, otaNext),
    ),
  );

  paintLatest();
  void loadDevice();
  void loadReadings();
  void loadOta();
  return {
    title: id,
    el,
    destroy() {
      offs.forEach((off) => off());
      window.clearInterval(tick);
      window.clearTimeout(otaTimer);
      chart.destroy();
    },
  };
}
