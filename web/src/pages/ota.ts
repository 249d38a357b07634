// Firmware: the uploaded images (upload, download, delete), updating one device, campaigns
// that the platform paces over many devices (start, follow live, stop), and every update's
// progress live (WebSocket channel `ota`).
import { ApiError, api, errorMessage, type Campaign, type Device, type Firmware, type OtaUpdate } from '../api';
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

// An update's final states; a campaign's are every status but `running`.
const kFinal = new Set(['success', 'failed', 'timed_out', 'cancelled']);
// Rows kept on screen: a campaign over thousands of devices must not make the page crawl.
const kMaxJobRows = 100;
const kMaxTargetRows = 200;
const kMaxCampaignUpdateRows = 200;
// A running campaign changes without an event too (paced starts, completion): ask this often.
const kCampaignPollMs = 3000;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function firmwareLabel(f: Firmware): string {
  return f.device_type ? `${f.version} · ${f.device_type}` : f.version;
}

function percent(n: number, of: number): number {
  return of > 0 ? Math.round((100 * n) / of) : 0;
}

export function otaPage(ctx: AppContext, _params: Record<string, string>, query: URLSearchParams): Page {
  let firmware: Firmware[] = [];
  let devices: Device[] = [];
  const jobs = new Map<string, Job>();
  const selected = new Set<string>();
  const preselect = query.get('device');
  if (preselect) selected.add(preselect);
  let campaigns: Campaign[] = [];
  const campaignTargets = new Map<number, Set<string>>();
  const expanded = new Set<number>();
  const campaignUpdates = new Map<number, OtaUpdate[]>();
  const refreshTimers = new Map<number, number>();
  let listTimer: number | undefined;
  let destroyed = false;
  let jobsFrame = 0;

  const fwBody = h('tbody');
  const jobsBody = h('tbody');
  const campaignBody = h('tbody');
  const jobsSummary = h('p', { class: 'muted', 'data-testid': 'ota-summary' }, 'Updates started here or reported by devices appear below as they progress.');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  // ---- firmware list ----
  const download = async (f: Firmware) => {
    try {
      const blob = await api.downloadFirmware(f);
      const href = URL.createObjectURL(blob);
      const a = h('a', { href, download: f.filename ?? `${f.version}.bin`, hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch (e) {
      ctx.toast(errorMessage(e), 'error');
    }
  };
  const remove = async (f: Firmware) => {
    if (!window.confirm(`Delete firmware ${firmwareLabel(f)}? Devices can no longer download it.`)) return;
    try {
      await api.deleteFirmware(f.id);
      ctx.toast(`Firmware ${firmwareLabel(f)} deleted`, 'ok');
    } catch (e) {
      ctx.toast(e instanceof ApiError && e.status === 409 ? `Not deleted: ${e.message}` : `Delete failed: ${errorMessage(e)}`, 'error');
    }
    await loadFirmware();
  };
  const paintFirmware = () => {
    replaceChildren(
      fwBody,
      firmware.length === 0
        ? emptyRow(7, 'No firmware uploaded yet.')
        : firmware.map((f) =>
            h(
              'tr',
              { 'data-version': f.version, 'data-firmware-id': String(f.id), 'data-device-type': f.device_type ?? '' },
              h('td', { class: 'strong' }, f.version),
              h('td', null, f.device_type ?? ''),
              h('td', null, f.description ?? ''),
              h('td', { class: 'num nowrap' }, bytes(f.size)),
              h('td', { class: 'mono', title: f.sha256 ?? '' }, f.sha256 ? `${f.sha256.slice(0, 12)}…` : ''),
              h('td', null, dateTime(f.created_at), f.uploaded_by ? h('small', { class: 'muted' }, ` by ${f.uploaded_by}`) : null),
              h(
                'td',
                { class: 'row-actions' },
                ctx.isAdmin ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => void download(f) }, 'Download') : null,
                ctx.isAdmin
                  ? h('button', { type: 'button', class: 'btn btn-small btn-danger write-control', 'data-action': 'delete', onclick: () => void remove(f) }, 'Delete')
                  : null,
              ),
            ),
          ),
    );
    paintFirmwareOptions();
  };

  // ---- live updates of single devices ----
  const paintJobs = () => {
    const all = [...jobs.values()].sort((a, b) => b.updated.localeCompare(a.updated) || collator.compare(a.device_id, b.device_id));
    const rows = all.slice(0, kMaxJobRows);
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
    if (all.length) {
      const done = all.filter((j) => j.status === 'success').length;
      const failed = all.filter((j) => kFinal.has(j.status) && j.status !== 'success').length;
      jobsSummary.textContent =
        `${all.length} updates · ${done} succeeded · ${failed} failed · ${all.length - done - failed} in progress` +
        (all.length > rows.length ? ` · the ${rows.length} most recent are shown` : '');
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
    // A campaign's events come in bursts: paint once per frame.
    if (!jobsFrame) jobsFrame = window.requestAnimationFrame(() => ((jobsFrame = 0), paintJobs()));
  };

  // ---- campaigns ----
  const remember = (c: Campaign) => {
    campaignTargets.set(c.id, new Set(c.device_ids ?? []));
    const i = campaigns.findIndex((x) => x.id === c.id);
    if (i >= 0) campaigns[i] = c;
    else campaigns = [c, ...campaigns].sort((a, b) => b.id - a.id);
  };
  const stop = async (c: Campaign) => {
    if (!window.confirm(`Stop campaign #${c.id}? Updates already sent carry on; no new device is started.`)) return;
    try {
      remember(await api.stopCampaign(c.id));
      ctx.toast(`Campaign #${c.id} stopped`, 'ok');
    } catch (e) {
      ctx.toast(errorMessage(e), 'error');
      await refreshCampaign(c.id);
    }
    paintCampaigns();
  };
  const campaignRows = (c: Campaign): HTMLTableRowElement[] => {
    const p = c.progress ?? { targets: c.device_ids?.length ?? 0, started: 0, succeeded: 0, failed: 0, in_flight: 0 };
    const open = expanded.has(c.id);
    const row = h(
      'tr',
      { class: 'campaign-row', 'data-campaign-id': String(c.id), 'data-status': c.status },
      h('td', null, h('span', { class: 'strong' }, `#${c.id}`), c.created_by ? h('small', { class: 'muted' }, ` by ${c.created_by}`) : null),
      h('td', null, c.firmware_version, c.device_type ? h('small', { class: 'muted' }, ` · ${c.device_type}`) : null),
      h('td', null, badge(c.status), c.reason ? h('div', { class: 'small muted campaign-reason' }, c.reason) : null),
      h(
        'td',
        { class: 'progress-cell' },
        h('progress', { max: String(Math.max(p.targets, 1)), value: String(p.succeeded + p.failed), 'aria-label': `Progress of campaign ${c.id}` }),
        h(
          'span',
          { class: 'small campaign-progress', 'data-testid': 'campaign-progress' },
          `${p.succeeded} of ${p.targets} succeeded · ${p.failed} failed · ${p.in_flight} in flight · ${p.started} started`,
        ),
      ),
      h('td', { class: 'small' }, `${c.per_minute}/min`, h('br'), `halt above ${percent(c.max_failure_ratio, 1)} % failed`),
      h('td', null, dateTime(c.created_at)),
      h(
        'td',
        { class: 'row-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            'aria-expanded': String(open),
            onclick: () => {
              if (open) expanded.delete(c.id);
              else {
                expanded.add(c.id);
                void refreshCampaign(c.id);
              }
              paintCampaigns();
            },
          },
          open ? 'Hide devices' : 'Devices',
        ),
        ctx.isAdmin && c.status === 'running'
          ? h('button', { type: 'button', class: 'btn btn-small btn-danger write-control', 'data-action': 'stop', onclick: () => void stop(c) }, 'Stop')
          : null,
      ),
    );
    if (!open) return [row];
    const updates = campaignUpdates.get(c.id);
    const shown = updates?.slice(0, kMaxCampaignUpdateRows) ?? [];
    const detail = h(
      'tr',
      { class: 'campaign-detail', 'data-campaign-id': String(c.id) },
      h(
        'td',
        { colspan: 7 },
        !updates
          ? h('p', { class: 'muted' }, 'Loading…')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'nested', 'data-testid': 'campaign-updates' },
                h('thead', null, h('tr', null, ...['Device', 'Status', 'Progress', 'Error', 'Updated'].map((t) => h('th', null, t)))),
                h(
                  'tbody',
                  null,
                  shown.length === 0
                    ? emptyRow(5, 'No device started yet.')
                    : shown.map((u) =>
                        h(
                          'tr',
                          { 'data-device-id': u.device_id, 'data-status': u.status },
                          h('td', null, h('a', { href: `#/devices/${encodeURIComponent(u.device_id)}` }, u.device_id)),
                          h('td', null, badge(u.status)),
                          h('td', { class: 'num' }, typeof u.progress === 'number' ? `${Math.round(u.progress)} %` : ''),
                          h('td', { class: 'tone-bad' }, u.error ?? ''),
                          h('td', null, dateTime(u.updated_at)),
                        ),
                      ),
                ),
              ),
              updates.length > shown.length ? h('p', { class: 'muted small' }, `${shown.length} of ${updates.length} devices shown.`) : null,
            ),
      ),
    );
    return [row, detail];
  };
  const paintCampaigns = () => {
    replaceChildren(campaignBody, campaigns.length === 0 ? emptyRow(7, 'No campaigns yet.') : campaigns.flatMap(campaignRows));
  };
  const refreshCampaign = async (id: number) => {
    try {
      const c = await api.campaign(id);
      if (destroyed) return;
      remember(c);
      if (expanded.has(id)) campaignUpdates.set(id, await api.campaignUpdates(id));
      if (destroyed) return;
      paintCampaigns();
      // Every device has answered but the platform has not closed the campaign yet: it does so
      // on its next pacing tick, which sends no event of its own.
      const p = c.progress;
      if (c.status === 'running' && p && p.started >= p.targets && p.in_flight === 0) scheduleCampaign(id, 1200);
    } catch {
      // The next event or poll tries again.
    }
  };
  const scheduleCampaign = (id: number, delay = 250) => {
    if (refreshTimers.has(id) || destroyed) return;
    refreshTimers.set(
      id,
      window.setTimeout(() => {
        refreshTimers.delete(id);
        void refreshCampaign(id);
      }, delay),
    );
  };
  const loadCampaigns = async () => {
    try {
      const rows = await api.campaigns();
      if (destroyed) return;
      campaigns = [];
      for (const c of rows) remember(c);
      paintCampaigns();
    } catch (e) {
      replaceChildren(campaignBody, emptyRow(7, `The campaigns are not available: ${errorMessage(e)}`));
    }
  };
  const scheduleCampaignList = () => {
    if (listTimer !== undefined || destroyed) return;
    listTimer = window.setTimeout(() => {
      listTimer = undefined;
      void loadCampaigns();
    }, 500);
  };
  const poll = window.setInterval(() => {
    for (const c of campaigns) if (c.status === 'running') scheduleCampaign(c.id, 0);
  }, kCampaignPollMs);

  // ---- upload ----
  const uploadSection = () => {
    const file = h('input', { type: 'file', name: 'file', required: true, accept: '.bin,.hex,.img,.elf,.zip,application/octet-stream' });
    const version = h('input', { name: 'version', required: true, placeholder: '1.2.0', pattern: '\\d+\\.\\d+\\.\\d+([\\-+].*)?', title: 'A semantic version such as 1.2.0' });
    const deviceType = h('input', { name: 'device_type', placeholder: 'ESP32' });
    const description = h('input', { name: 'description', placeholder: 'What changed' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload');
    const problem = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'upload-error' });
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
          problem.hidden = true;
          try {
            const stored = await api.uploadFirmware(data);
            ctx.toast(`Firmware ${firmwareLabel(stored)} uploaded`, 'ok');
            form.reset();
            await loadFirmware();
            if (stored?.id) {
              fwSel.value = String(stored.id);
              paintTargets();
            }
          } catch (err) {
            problem.textContent =
              err instanceof ApiError && err.status === 413 ? 'The file is larger than the platform accepts.' : `Upload failed: ${errorMessage(err)}`;
            problem.hidden = false;
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
      problem,
      h('div', { class: 'form-actions' }, submit),
    );
    return h('div', { class: 'card write-control' }, h('h2', null, 'Upload firmware'), form);
  };

  // ---- update one device or start a campaign ----
  const fwSel = h('select', { name: 'firmware_id', required: true, 'aria-label': 'Firmware', onchange: () => paintTargets() });
  const chosenFirmware = (): Firmware | undefined => firmware.find((f) => String(f.id) === fwSel.value);
  const paintFirmwareOptions = () => {
    const keep = fwSel.value;
    replaceChildren(
      fwSel,
      h('option', { value: '' }, firmware.length ? 'Choose firmware' : 'Upload firmware first'),
      ...firmware.map((f) => h('option', { value: String(f.id), selected: String(f.id) === keep }, firmwareLabel(f))),
    );
    paintTargets();
  };
  const modeChosen = h('input', { type: 'radio', name: 'target_mode', value: 'devices', checked: true, onchange: () => paintTargets() });
  const modeType = h('input', { type: 'radio', name: 'target_mode', value: 'type', onchange: () => paintTargets() });
  const modeTypeText = h('span', null, 'Every device of the firmware’s type');
  const perMinute = h('input', { type: 'number', name: 'per_minute', min: '1', max: '100000', step: '1', value: '10', required: true });
  const maxFailed = h('input', { type: 'number', name: 'max_failure_percent', min: '0', max: '100', step: '1', value: '20', required: true });
  const targetFilter = h('input', { type: 'search', placeholder: 'Filter devices', 'aria-label': 'Filter devices', oninput: () => paintTargets() });
  const targetList = h('div', { class: 'target-list', 'data-testid': 'ota-targets' });
  const targetNote = h('p', { class: 'muted small' });
  const targetBox = h(
    'div',
    { class: 'stack' },
    h(
      'div',
      { class: 'toolbar' },
      targetFilter,
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => (shownTargets().forEach((d) => selected.add(d.device_id)), paintTargets()) }, 'Select all matching'),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => (selected.clear(), paintTargets()) }, 'Clear'),
    ),
    targetList,
    targetNote,
  );
  const campaignBox = h(
    'div',
    { class: 'form-grid campaign-settings' },
    field('Devices started per minute', perMinute),
    field('Halt when more than this % fail', maxFailed),
  );
  const startButton = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'ota-start' }, 'Start update');
  const startProblem = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'ota-error' });
  // A device takes firmware of its own type; one without a type takes any.
  const compatible = (d: Device, f: Firmware | undefined) => !f || !d.type || !f.device_type || d.type === f.device_type;
  const shownTargets = (): Device[] => {
    const f = targetFilter.value.trim().toLowerCase();
    const fw = chosenFirmware();
    return devices.filter(
      (d) =>
        compatible(d, fw) &&
        (!f || d.device_id.toLowerCase().includes(f) || (d.type ?? '').toLowerCase().includes(f) || (d.name ?? '').toLowerCase().includes(f)),
    );
  };
  const byType = () => modeType.checked;
  const targetsOfType = (): Device[] => {
    const fw = chosenFirmware();
    return fw ? devices.filter((d) => d.type === fw.device_type) : [];
  };
  const paintStart = () => {
    const fw = chosenFirmware();
    if (byType()) {
      const n = targetsOfType().length;
      startButton.textContent = `Start campaign (${n} ${fw?.device_type || 'devices'})`;
      startButton.disabled = !fw || n === 0;
      campaignBox.hidden = false;
      return;
    }
    // Selections hidden by the firmware's type are not sent.
    const n = [...selected].filter((id) => compatible(devices.find((d) => d.device_id === id) ?? { device_id: id }, fw)).length;
    startButton.textContent = n <= 1 ? 'Start update' : `Start campaign (${n} devices)`;
    startButton.disabled = n === 0 || !fw;
    campaignBox.hidden = n <= 1;
  };
  const paintTargets = () => {
    const fw = chosenFirmware();
    modeTypeText.textContent = fw?.device_type
      ? `Every device of type ${fw.device_type} (${targetsOfType().length})`
      : 'Every device of the firmware’s type';
    modeType.disabled = !fw?.device_type;
    if (modeType.disabled && modeType.checked) modeChosen.checked = true;
    targetBox.hidden = byType();
    const shown = shownTargets();
    const rows = shown.slice(0, kMaxTargetRows);
    replaceChildren(
      targetList,
      rows.length === 0
        ? h('p', { class: 'muted' }, devices.length ? 'No device matches.' : 'No devices yet.')
        : rows.map((d) =>
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
    const hidden = devices.length - devices.filter((d) => compatible(d, fw)).length;
    targetNote.textContent = [
      shown.length > rows.length ? `${rows.length} of ${shown.length} matching devices listed; filter to find others.` : '',
      hidden ? `${hidden} devices of other types are not listed.` : '',
      `${selected.size} selected.`,
    ]
      .filter(Boolean)
      .join(' ');
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
          const fw = chosenFirmware();
          if (!fw) return;
          startProblem.hidden = true;
          const targets = [...selected].filter((id) => compatible(devices.find((d) => d.device_id === id) ?? { device_id: id }, fw));
          startButton.disabled = true;
          try {
            if (!byType() && targets.length === 1) {
              const u = await api.triggerUpdate(targets[0], fw.version);
              // The device may already have reported through the WebSocket; don't step back.
              const j = jobs.get(u.device_id);
              if (!j || kFinal.has(j.status) || j.status === 'pending') track(u.device_id, { status: u.status, version: u.firmware_version, updated: u.updated_at });
              ctx.toast(`Update to ${fw.version} sent to ${targets[0]}`, 'ok');
            } else {
              const settings = { firmware_id: fw.id, per_minute: Number(perMinute.value), max_failure_ratio: Number(maxFailed.value) / 100 };
              const c = await api.createCampaign(byType() ? { ...settings, device_type: fw.device_type } : { ...settings, device_ids: targets });
              remember(c);
              paintCampaigns();
              ctx.toast(`Campaign #${c.id} started on ${c.progress?.targets ?? c.device_ids.length} devices`, 'ok');
            }
          } catch (err) {
            startProblem.textContent = errorMessage(err);
            startProblem.hidden = false;
          } finally {
            paintStart();
          }
        },
      },
      field('Firmware', fwSel),
      h(
        'fieldset',
        { class: 'targets' },
        h('legend', null, 'Devices'),
        h('div', { class: 'toolbar' }, h('label', { class: 'check' }, modeChosen, h('span', null, 'Chosen devices')), h('label', { class: 'check' }, modeType, modeTypeText)),
        targetBox,
      ),
      campaignBox,
      startProblem,
      h('div', { class: 'form-actions' }, startButton),
    );
    return h('div', { class: 'card write-control' }, h('h2', null, 'Update devices'), form);
  };

  const loadFirmware = async () => {
    try {
      firmware = await api.firmware();
      error.hidden = true;
      paintFirmware();
    } catch (e) {
      error.textContent = `Could not load firmware: ${errorMessage(e)}`;
      error.hidden = false;
      replaceChildren(fwBody, emptyRow(7, 'The firmware list is not available.'));
    }
  };
  const loadDevices = async () => {
    try {
      devices = (await api.devices()).sort((a, b) => collator.compare(a.device_id, b.device_id));
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
    // The event names no campaign: refresh the running ones this device belongs to, and the
    // list when a new update may belong to a campaign not shown yet.
    let known = false;
    for (const c of campaigns) {
      if (c.status === 'running' && campaignTargets.get(c.id)?.has(id)) {
        known = true;
        scheduleCampaign(c.id);
      }
    }
    if (!known && status === 'pending') scheduleCampaignList();
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
      h('h2', null, 'Campaigns'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'campaign-list' },
          h('thead', null, h('tr', null, ...['Campaign', 'Firmware', 'Status', 'Progress', 'Pace', 'Started', ''].map((t) => h('th', null, t)))),
          campaignBody,
        ),
      ),
    ),
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
          h('thead', null, h('tr', null, ...['Version', 'Device type', 'Description', 'Size', 'SHA-256', 'Uploaded', ''].map((t) => h('th', null, t)))),
          fwBody,
        ),
      ),
    ),
  );

  paintJobs();
  paintCampaigns();
  void loadFirmware();
  void loadCampaigns();
  if (ctx.isAdmin) void loadDevices();
  return {
    title: 'Firmware',
    el,
    destroy() {
      destroyed = true;
      off();
      window.cancelAnimationFrame(jobsFrame);
      window.clearInterval(poll);
      window.clearTimeout(listTimer);
      for (const t of refreshTimers.values()) window.clearTimeout(t);
    },
  };
}
