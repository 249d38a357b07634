// Firmware: the uploaded images, uploading a new one, starting an update on one device or a
// campaign over many, and watching every update progress live (WebSocket channel `ota`).
import { api, errorMessage, type Device, type Firmware } from '../api';
import type { AppContext, Page } from '../app';
import { badge, emptyRow, field, h, replaceChildren } from '../dom';
import { bytes, dateTime } from '../format';
import { payload, str } from '../live';

interface Job {
  device_id: string;
  version: string;
  status: string;
  progress: number | null;
  error: string;
  history: string[];
  updated: string;
}

const kFinal = new Set(['success', 'failed', 'error', 'rejected', 'timeout', 'cancelled']);

function firmwareLink(f: Firmware): string | null {
  const link = f.file_url ?? f.url ?? (f.filename ? `/firmware/${encodeURIComponent(f.filename)}` : null);
  if (!link) return null;
  // Only same-origin or http(s) links; never javascript: or data: from the server's records.
  return /^(https?:\/\/|\/)/i.test(link) ? link : null;
}

export function otaPage(ctx: AppContext, _params: Record<string, string>, query: URLSearchParams): Page {
  let firmware: Firmware[] = [];
  let devices: Device[] = [];
  const jobs = new Map<string, Job>();
  const selected = new Set<string>();
  const preselect = query.get('device');
  if (preselect) selected.add(preselect);

  const fwBody = h('tbody');
  const jobsBody = h('tbody');
  const jobsSummary = h('p', { class: 'muted', 'data-testid': 'ota-summary' }, 'Updates started here or reported by devices appear below as they progress.');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  // ---- firmware list ----
  const paintFirmware = () => {
    replaceChildren(
      fwBody,
      firmware.length === 0
        ? emptyRow(6, 'No firmware uploaded yet.')
        : firmware.map((f) => {
            const link = firmwareLink(f);
            const sum = f.sha256 ?? f.checksum;
            return h(
              'tr',
              { 'data-version': f.version },
              h('td', { class: 'strong' }, f.version),
              h('td', null, f.device_type ?? ''),
              h('td', null, f.description ?? ''),
              h('td', { class: 'num' }, bytes(f.size ?? f.file_size)),
              h('td', { class: 'mono', title: sum ?? '' }, sum ? `${sum.slice(0, 12)}…` : ''),
              h('td', null, dateTime(f.created_at), link ? [' · ', h('a', { href: link, download: '' }, 'download')] : null),
            );
          }),
    );
    paintVersionOptions();
  };

  // ---- live jobs ----
  const paintJobs = () => {
    const rows = [...jobs.values()].sort((a, b) => a.device_id.localeCompare(b.device_id, undefined, { numeric: true }));
    replaceChildren(
      jobsBody,
      rows.length === 0
        ? emptyRow(5, 'No updates in progress.')
        : rows.map((j) =>
            h(
              'tr',
              { 'data-device-id': j.device_id, 'data-status': j.status, class: 'ota-job' },
              h('td', null, h('a', { href: `#/devices/${encodeURIComponent(j.device_id)}` }, j.device_id)),
              h('td', null, j.version),
              h('td', null, badge(j.status)),
              h(
                'td',
                { class: 'progress-cell' },
                h('progress', {
                  max: '100',
                  value: j.status === 'success' ? '100' : j.progress !== null ? String(j.progress) : undefined,
                  'aria-label': `Progress of ${j.device_id}`,
                }),
                h('span', { class: 'small muted ota-history', 'data-testid': 'ota-history' }, j.history.join(' → ')),
                j.error ? h('span', { class: 'small tone-bad' }, ` ${j.error}`) : null,
              ),
              h('td', null, dateTime(j.updated)),
            ),
          ),
    );
    if (rows.length) {
      const done = rows.filter((j) => j.status === 'success').length;
      const failed = rows.filter((j) => kFinal.has(j.status) && j.status !== 'success').length;
      jobsSummary.textContent = `${rows.length} updates · ${done} succeeded · ${failed} failed · ${rows.length - done - failed} in progress`;
    }
  };
  const track = (device_id: string, patch: Partial<Job> & { status: string }) => {
    let j = jobs.get(device_id);
    // After a finished update, news of an unfinished one is the next update of that device.
    if (!j || (kFinal.has(j.status) && !kFinal.has(patch.status))) {
      j = { device_id, version: patch.version ?? '', status: patch.status, progress: null, error: '', history: [], updated: new Date().toISOString() };
      jobs.set(device_id, j);
    }
    if (patch.version) j.version = patch.version;
    j.status = patch.status;
    if (patch.progress !== undefined) j.progress = patch.progress;
    if (patch.error !== undefined) j.error = patch.error;
    j.updated = patch.updated ?? new Date().toISOString();
    if (j.history[j.history.length - 1] !== patch.status) j.history.push(patch.status);
    paintJobs();
  };

  // ---- upload ----
  const uploadSection = () => {
    const file = h('input', { type: 'file', name: 'file', required: true, accept: '.bin,.hex,.img,.elf,.zip,application/octet-stream' });
    const version = h('input', { name: 'version', required: true, placeholder: '1.2.0' });
    const deviceType = h('input', { name: 'device_type', placeholder: 'ESP32' });
    const description = h('input', { name: 'description', placeholder: 'What changed' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload');
    const form = h(
      'form',
      {
        class: 'form-grid',
        'data-testid': 'upload-form',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const f = file.files?.[0];
          if (!f) return;
          const data = new FormData();
          data.set('file', f, f.name);
          data.set('version', version.value.trim());
          data.set('description', description.value.trim());
          data.set('device_type', deviceType.value.trim());
          submit.disabled = true;
          submit.textContent = 'Uploading…';
          try {
            await api.uploadFirmware(data);
            ctx.toast(`Firmware ${version.value.trim()} uploaded`, 'ok');
            form.reset();
            await loadFirmware();
          } catch (err) {
            ctx.toast(`Upload failed: ${errorMessage(err)}`, 'error');
          } finally {
            submit.disabled = false;
            submit.textContent = 'Upload';
          }
        },
      },
      h('div', { class: 'span-2' }, field('File', file)),
      field('Version', version),
      field('Device type', deviceType),
      field('Description', description),
      h('div', { class: 'form-actions' }, submit),
    );
    return h('div', { class: 'card write-control' }, h('h2', null, 'Upload firmware'), form);
  };

  // ---- start an update or a campaign ----
  const versionSel = h('select', { name: 'firmware_version', required: true, 'aria-label': 'Firmware version' });
  const paintVersionOptions = () => {
    const keep = versionSel.value;
    replaceChildren(
      versionSel,
      h('option', { value: '' }, firmware.length ? 'Choose a version' : 'Upload firmware first'),
      ...firmware.map((f) => h('option', { value: f.version, selected: f.version === keep }, f.device_type ? `${f.version} (${f.device_type})` : f.version)),
    );
  };
  const targetFilter = h('input', { type: 'search', placeholder: 'Filter devices', 'aria-label': 'Filter devices', oninput: () => paintTargets() });
  const targetList = h('div', { class: 'target-list', 'data-testid': 'ota-targets' });
  const startButton = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'ota-start' }, 'Start update');
  const shownTargets = (): Device[] => {
    const f = targetFilter.value.trim().toLowerCase();
    return devices.filter((d) => !f || d.device_id.toLowerCase().includes(f) || (d.type ?? '').toLowerCase().includes(f) || (d.name ?? '').toLowerCase().includes(f));
  };
  const paintStart = () => {
    const n = selected.size;
    startButton.textContent = n <= 1 ? 'Start update' : `Start campaign (${n} devices)`;
    startButton.disabled = n === 0;
  };
  const paintTargets = () => {
    const shown = shownTargets();
    replaceChildren(
      targetList,
      shown.length === 0
        ? h('p', { class: 'muted' }, devices.length ? 'No device matches.' : 'No devices yet.')
        : shown.map((d) =>
            h(
              'label',
              { class: 'check' },
              h('input', {
                type: 'checkbox',
                value: d.device_id,
                checked: selected.has(d.device_id),
                onchange: (e: Event) => {
                  const box = e.target as HTMLInputElement;
                  if (box.checked) selected.add(d.device_id);
                  else selected.delete(d.device_id);
                  paintStart();
                },
              }),
              h('span', null, d.device_id),
              h('small', { class: 'muted' }, [d.type, d.firmware_version && `fw ${d.firmware_version}`].filter(Boolean).join(' · ')),
            ),
        ),
    );
    paintStart();
  };
  const startSection = () => {
    const form = h(
      'form',
      {
        class: 'stack',
        'data-testid': 'ota-form',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const version = versionSel.value;
          const targets = [...selected];
          if (!version || targets.length === 0) return;
          startButton.disabled = true;
          try {
            const failures = await api.startCampaign(targets, version, (id, status) => {
              // The device may already have reported through the WebSocket; don't step back.
              const j = jobs.get(id);
              if (!j || kFinal.has(j.status)) track(id, { status, version });
            });
            for (const f of failures) track(f.device_id, { status: 'failed', version, error: f.message });
            if (failures.length === 0) ctx.toast(targets.length === 1 ? `Update sent to ${targets[0]}` : `Campaign started on ${targets.length} devices`, 'ok');
            else ctx.toast(`${failures.length} of ${targets.length} updates could not be started: ${failures[0].message}`, 'error');
          } catch (err) {
            ctx.toast(errorMessage(err), 'error');
          } finally {
            paintStart();
          }
        },
      },
      field('Firmware', versionSel),
      h(
        'fieldset',
        { class: 'targets' },
        h('legend', null, 'Devices'),
        h(
          'div',
          { class: 'toolbar' },
          targetFilter,
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => (shownTargets().forEach((d) => selected.add(d.device_id)), paintTargets()) }, 'Select shown'),
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => (selected.clear(), paintTargets()) }, 'Clear'),
        ),
        targetList,
      ),
      h('div', { class: 'form-actions' }, startButton),
    );
    return h('div', { class: 'card write-control' }, h('h2', null, 'Start an update'), form);
  };

  const loadFirmware = async () => {
    try {
      firmware = await api.firmware();
      error.hidden = true;
      paintFirmware();
    } catch (e) {
      error.textContent = `Could not load firmware: ${errorMessage(e)}`;
      error.hidden = false;
      replaceChildren(fwBody, emptyRow(6, 'The firmware list is not available.'));
    }
  };
  const loadDevices = async () => {
    try {
      devices = (await api.devices()).sort((a, b) => a.device_id.localeCompare(b.device_id, undefined, { numeric: true }));
      paintTargets();
    } catch {
      replaceChildren(targetList, h('p', { class: 'muted' }, 'Could not load devices.'));
    }
  };

  const off = ctx.live.on('ota_update', (m) => {
    const p = payload(m);
    const id = str(p.device_id);
    const status = str(p.status);
    if (!id || !status) return;
    const progress = typeof p.progress === 'number' ? p.progress : undefined;
    track(id, {
      status,
      version: str(p.firmware_version),
      progress,
      error: str(p.error) ?? (status === 'failed' ? str(p.message) : undefined),
      updated: str(p.timestamp),
    });
  });

  const el = h(
    'section',
    { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', null, 'Firmware')),
    error,
    ctx.isAdmin ? h('div', { class: 'grid-2' }, uploadSection(), startSection()) : null,
    h(
      'div',
      { class: 'card' },
      h('h2', null, 'Updates'),
      jobsSummary,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { 'data-testid': 'ota-jobs' }, h('thead', null, h('tr', null, ...['Device', 'Version', 'Status', 'Progress', 'Updated'].map((t) => h('th', null, t)))), jobsBody),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', null, 'Firmware images'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'firmware-list' },
          h('thead', null, h('tr', null, ...['Version', 'Device type', 'Description', 'Size', 'SHA-256', 'Uploaded'].map((t) => h('th', null, t)))),
          fwBody,
        ),
      ),
    ),
  );

  paintJobs();
  void loadFirmware();
  if (ctx.isAdmin) void loadDevices();
  return {
    title: 'Firmware',
    el,
    destroy() {
      off();
    },
  };
}
