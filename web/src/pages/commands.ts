// Sending a command to a device (published on CommandRequest/<device_id>) and the commands
// sent, newest first, with the device's answer (status and result) as it comes in.
import { api, errorMessage, type CommandRecord } from '../api';
import type { AppContext, Page } from '../app';
import { badge, emptyRow, field, h, replaceChildren } from '../dom';
import { dateTime } from '../format';

const kPageSize = 50;
// Commands have no WebSocket event: while one shown is waiting for its device, ask this often.
const kPollMs = 2000;
const kOpen = new Set(['pending', 'sent']);
const kStatuses = ['pending', 'sent', 'success', 'failed', 'expired'];

function jsonText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function commandsPage(ctx: AppContext, _params: Record<string, string>, query: URLSearchParams): Page {
  const initial = query.get('device') ?? '';
  const body = h('tbody');
  const listNote = h('p', { class: 'muted small', 'data-testid': 'command-status' });
  const filter = h('input', { type: 'search', name: 'device_id', placeholder: 'All devices', 'aria-label': 'Device id', value: initial, list: 'command-devices' });
  const statusSel = h(
    'select',
    { name: 'status', 'aria-label': 'Status', onchange: () => ((offset = 0), void load()) },
    h('option', { value: '' }, 'Any status'),
    ...kStatuses.map((s) => h('option', { value: s }, s)),
  );
  const devicesList = h('datalist', { id: 'command-devices' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', disabled: true, onclick: () => move(-1) }, '← Newer');
  const next = h('button', { type: 'button', class: 'btn btn-small', disabled: true, onclick: () => move(1) }, 'Older →');
  let offset = 0;
  let generation = 0;
  let waiting = false;
  let pollTimer: number | undefined;
  let destroyed = false;

  const schedulePoll = () => {
    window.clearTimeout(pollTimer);
    if (waiting && !destroyed) pollTimer = window.setTimeout(() => void load(true), kPollMs);
  };
  const load = async (quiet = false) => {
    const mine = ++generation;
    try {
      const { data, total } = await api.commands({
        device_id: filter.value.trim() || undefined,
        status: statusSel.value || undefined,
        limit: kPageSize,
        offset,
      });
      if (mine !== generation || destroyed) return;
      paint(data);
      const last = offset + data.length;
      listNote.textContent = data.length ? `Commands ${offset + 1}–${last}${total !== null ? ` of ${total}` : ''}` : '';
      prev.disabled = offset === 0;
      next.disabled = total !== null ? last >= total : data.length < kPageSize;
      waiting = data.some((c) => kOpen.has(c.status));
    } catch (e) {
      if (mine !== generation || destroyed) return;
      if (!quiet) replaceChildren(body, emptyRow(7, 'The command list is not available.'));
      listNote.textContent = errorMessage(e);
    }
    schedulePoll();
  };
  const move = (dir: number) => {
    offset = Math.max(0, offset + dir * kPageSize);
    void load();
  };
  const paint = (rows: CommandRecord[]) => {
    replaceChildren(
      body,
      rows.length === 0
        ? emptyRow(7, 'No commands sent yet.')
        : rows.map((c) => {
            const result = jsonText(c.result);
            return h(
              'tr',
              { 'data-command-id': c.command_id, 'data-status': c.status },
              h('td', { class: 'nowrap' }, dateTime(c.created_at), c.created_by ? h('small', { class: 'muted' }, ` by ${c.created_by}`) : null),
              h('td', null, h('a', { href: `#/devices/${encodeURIComponent(c.device_id)}` }, c.device_id)),
              h('td', { class: 'strong' }, c.command),
              h('td', { class: 'mono small json-cell' }, jsonText(c.params)),
              h('td', null, badge(c.status)),
              h('td', { class: 'mono small json-cell', 'data-testid': 'command-result', title: result }, result),
              h(
                'td',
                { class: 'small nowrap' },
                kOpen.has(c.status) && c.expires_at ? h('span', { class: 'muted' }, `expires ${dateTime(c.expires_at)}`) : dateTime(c.updated_at),
              ),
            );
          }),
    );
  };

  const sendForm = () => {
    const device = h('input', { name: 'device_id', required: true, value: initial, list: 'command-devices', placeholder: 'Device0001' });
    const command = h('input', { name: 'command', required: true, placeholder: 'reboot', pattern: '[A-Za-z0-9_.:\\-]{1,64}', title: 'Letters, digits, _ - . and :' });
    const timeout = h('input', { name: 'timeout', type: 'number', min: '1', max: '604800', step: '1', placeholder: 'platform default' });
    const params = h('textarea', { name: 'params', rows: '3', placeholder: '{"interval": 30}', spellcheck: 'false' });
    const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h(
      'form',
      {
        class: 'form-grid',
        'data-testid': 'command-form',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          problem.hidden = true;
          let parsed: Record<string, unknown> = {};
          const text = params.value.trim();
          if (text) {
            try {
              const v = JSON.parse(text) as unknown;
              if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
              parsed = v as Record<string, unknown>;
            } catch {
              problem.textContent = 'Parameters must be a JSON object, e.g. {"interval": 30}.';
              problem.hidden = false;
              return;
            }
          }
          try {
            const sent = await api.sendCommand(device.value.trim(), command.value.trim(), parsed, timeout.value ? Number(timeout.value) : undefined);
            ctx.toast(`Command ${sent.command} sent to ${sent.device_id}`, 'ok');
            command.value = '';
            params.value = '';
            offset = 0;
            await load();
          } catch (err) {
            problem.textContent = errorMessage(err);
            problem.hidden = false;
          }
        },
      },
      field('Device', device),
      field('Command', command),
      field('Timeout (seconds)', timeout),
      h('label', { class: 'field span-2' }, h('span', { class: 'field-label' }, 'Parameters (JSON object, optional)'), params),
      problem,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send')),
    );
    return h('div', { class: 'card write-control' }, h('h2', null, 'Send a command'), form);
  };

  api
    .devices()
    .then((rows) => replaceChildren(devicesList, ...rows.slice(0, 2000).map((d) => h('option', { value: d.device_id }))))
    .catch(() => undefined);
  void load();

  return {
    title: 'Commands',
    el: h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'Commands')),
      devicesList,
      ctx.isAdmin ? sendForm() : null,
      h(
        'div',
        { class: 'card' },
        h(
          'div',
          { class: 'card-head' },
          h('h2', null, 'Sent commands'),
          h(
            'form',
            {
              class: 'toolbar',
              'data-testid': 'command-filters',
              onsubmit: (e: Event) => {
                e.preventDefault();
                offset = 0;
                void load();
              },
            },
            filter,
            statusSel,
            h('button', { type: 'submit', class: 'btn' }, 'Filter'),
          ),
        ),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-testid': 'command-list' },
            h('thead', null, h('tr', null, ...['Sent', 'Device', 'Command', 'Parameters', 'Status', 'Result', 'Answered'].map((t) => h('th', null, t)))),
            body,
          ),
        ),
        h('div', { class: 'pager' }, prev, listNote, next),
      ),
    ),
    destroy() {
      destroyed = true;
      window.clearTimeout(pollTimer);
    },
  };
}
