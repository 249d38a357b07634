// The platform's event log with filters and paging; optionally followed live (channel `logs`).
import { api, errorMessage, type LogEntry, type LogFilter } from '../api';
import type { AppContext, Page } from '../app';
import { emptyRow, field, h, replaceChildren } from '../dom';
import { compact, dateTime, localInputToIso } from '../format';
import { payload, str } from '../live';

const kCategories = ['system', 'mqtt', 'device', 'gateway', 'node', 'ota', 'command', 'auth', 'api', 'websocket', 'database'];
const kLevels = ['error', 'warn', 'info', 'debug'];

function row(e: LogEntry): HTMLTableRowElement {
  const details = e.details && typeof e.details === 'object' && Object.keys(e.details as object).length ? compact(e.details) : '';
  return h(
    'tr',
    { class: `log-${e.level ?? 'info'}` },
    h('td', { class: 'nowrap' }, dateTime(e.timestamp)),
    h('td', null, h('span', { class: ['level', `level-${e.level ?? 'info'}`] }, e.level ?? '')),
    h('td', null, e.category ?? ''),
    h('td', null, e.source ?? ''),
    h('td', { class: 'log-message' }, e.message, details ? h('div', { class: 'mono small muted' }, details) : null),
  );
}

export function logsPage(ctx: AppContext): Page {
  const category = h('input', { name: 'category', list: 'log-categories', placeholder: 'any' });
  const level = h('select', { name: 'level' }, h('option', { value: '' }, 'any'), ...kLevels.map((l) => h('option', { value: l }, l)));
  const start = h('input', { type: 'datetime-local', name: 'start_date' });
  const end = h('input', { type: 'datetime-local', name: 'end_date' });
  const limit = h('select', { name: 'limit' }, ...[50, 100, 200, 500].map((n) => h('option', { value: String(n), selected: n === 100 }, String(n))));
  const follow = h('input', { type: 'checkbox', name: 'follow' });
  const body = h('tbody');
  const status = h('p', { class: 'muted small', 'data-testid': 'logs-status' });
  const prev = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => go(-1) }, '← Newer');
  const next = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => go(1) }, 'Older →');
  let offset = 0;
  let filter: LogFilter = {};

  const read = (): LogFilter => ({
    category: category.value.trim() || undefined,
    level: level.value || undefined,
    start_date: localInputToIso(start.value),
    end_date: localInputToIso(end.value),
    limit: Number(limit.value),
  });
  const load = async () => {
    status.textContent = 'Loading…';
    try {
      const { data, total } = await api.logs({ ...filter, offset });
      replaceChildren(body, data.length === 0 ? emptyRow(5, 'No log entries match.') : data.map(row));
      const lim = filter.limit ?? 100;
      const last = offset + data.length;
      status.textContent = data.length ? `Entries ${offset + 1}–${last}${total !== null ? ` of ${total}` : ''}` : '';
      prev.disabled = offset === 0;
      next.disabled = total !== null ? last >= total : data.length < lim;
    } catch (e) {
      status.textContent = `Could not load logs: ${errorMessage(e)}`;
    }
  };
  const go = (dir: number) => {
    offset = Math.max(0, offset + dir * (filter.limit ?? 100));
    void load();
  };

  const matches = (e: LogEntry) =>
    (!filter.category || e.category === filter.category) &&
    (!filter.level || e.level === filter.level) &&
    !filter.end_date;
  const off = ctx.live.on('system_log', (m) => {
    if (!follow.checked || offset !== 0) return;
    const p = payload(m);
    const e: LogEntry = {
      category: str(p.category),
      level: str(p.level),
      source: str(p.source),
      message: str(p.message) ?? '',
      details: p.details,
      timestamp: str(p.timestamp) ?? new Date().toISOString(),
    };
    if (!matches(e)) return;
    body.querySelector('tr.empty')?.remove();
    body.prepend(row(e));
    while (body.children.length > (filter.limit ?? 100)) body.lastElementChild?.remove();
  });

  const form = h(
    'form',
    {
      class: 'filters',
      'data-testid': 'log-filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        filter = read();
        offset = 0;
        void load();
      },
    },
    field('Category', category),
    field('Level', level),
    field('From', start),
    field('To', end),
    field('Per page', limit),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply')),
    h('datalist', { id: 'log-categories' }, ...kCategories.map((c) => h('option', { value: c }))),
  );

  filter = read();
  void load();
  return {
    title: 'Logs',
    el: h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'Logs'), h('label', { class: 'check' }, follow, h('span', null, 'Follow live'))),
      h('div', { class: 'card' }, form),
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'table-wrap' }, h('table', { class: 'logs', 'data-testid': 'log-table' }, h('thead', null, h('tr', null, ...['Time', 'Level', 'Category', 'Source', 'Message'].map((t) => h('th', null, t)))), body)),
        h('div', { class: 'pager' }, prev, status, next),
      ),
    ),
    destroy() {
      off();
    },
  };
}
