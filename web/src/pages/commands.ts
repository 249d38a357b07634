// Sending a command to a device (published on CommandRequest/<device_id>) and the commands sent.
import { api, errorMessage, type CommandRecord } from '../api';
import type { AppContext, Page } from '../app';
import { badge, emptyRow, field, h, replaceChildren } from '../dom';
import { dateTime } from '../format';

export function commandsPage(ctx: AppContext, _params: Record<string, string>, query: URLSearchParams): Page {
  const initial = query.get('device') ?? '';
  const body = h('tbody');
  const listNote = h('p', { class: 'muted small' });
  const filter = h('input', { type: 'search', placeholder: 'All devices', 'aria-label': 'Device id', value: initial, list: 'command-devices' });
  const devicesList = h('datalist', { id: 'command-devices' });

  const load = async () => {
    try {
      const rows = await api.commands(filter.value.trim() || undefined);
      listNote.textContent = '';
      paint(rows);
    } catch (e) {
      replaceChildren(body, emptyRow(5, 'The command list is not available.'));
      listNote.textContent = errorMessage(e);
    }
  };
  const paint = (rows: CommandRecord[]) => {
    replaceChildren(
      body,
      rows.length === 0
        ? emptyRow(5, 'No commands sent yet.')
        : rows.map((c) =>
            h(
              'tr',
              { 'data-command-id': String(c.command_id ?? c.id ?? '') },
              h('td', null, dateTime(c.created_at ?? c.timestamp)),
              h('td', null, h('a', { href: `#/devices/${encodeURIComponent(c.device_id)}` }, c.device_id)),
              h('td', { class: 'strong' }, c.command),
              h('td', { class: 'mono small' }, c.params === undefined ? '' : JSON.stringify(c.params)),
              h('td', null, c.status ? badge(c.status) : ''),
            ),
          ),
    );
  };

  const sendForm = () => {
    const device = h('input', { name: 'device_id', required: true, value: initial, list: 'command-devices', placeholder: 'Device0001' });
    const command = h('input', { name: 'command', required: true, placeholder: 'reboot' });
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
            await api.sendCommand(device.value.trim(), command.value.trim(), parsed);
            ctx.toast(`Command ${command.value.trim()} sent to ${device.value.trim()}`, 'ok');
            command.value = '';
            params.value = '';
            await load();
          } catch (err) {
            problem.textContent = errorMessage(err);
            problem.hidden = false;
          }
        },
      },
      field('Device', device),
      field('Command', command),
      h('label', { class: 'field span-2' }, h('span', { class: 'field-label' }, 'Parameters (JSON object, optional)'), params),
      problem,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send')),
    );
    return h('div', { class: 'card write-control' }, h('h2', null, 'Send a command'), form);
  };

  api
    .devices()
    .then((rows) => replaceChildren(devicesList, ...rows.map((d) => h('option', { value: d.device_id }))))
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
              onsubmit: (e: Event) => {
                e.preventDefault();
                void load();
              },
            },
            filter,
            h('button', { type: 'submit', class: 'btn' }, 'Filter'),
          ),
        ),
        listNote,
        h(
          'div',
          { class: 'table-wrap' },
          h('table', { 'data-testid': 'command-list' }, h('thead', null, h('tr', null, ...['Sent', 'Device', 'Command', 'Parameters', 'Status'].map((t) => h('th', null, t)))), body),
        ),
      ),
    ),
  };
}
