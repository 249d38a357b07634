// End-to-end: the built dashboard (web/dist) served by the real platform, driven in Chromium,
// with devices simulated over a private Mosquitto.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it as test } from 'node:test';
import {
  launchBrowser,
  platformEnv,
  publish,
  publishLines,
  screenshotDir,
  sleep,
  startMosquitto,
  startPlatform,
  stop,
  stopAll,
  subscribe,
  tempDir,
  freePort,
} from './harness.mjs';

const DEVICE = 'E2EDevice01';
const GATEWAY = 'E2EGateway01';
const NODE_MAC = '58:8c:81:ab:a6:16';
const FLEET = ['E2EFleet01', 'E2EFleet02', 'E2EFleet03'];
const FLEET_TYPE = 'E2E-C3';
const VIEWER = { username: 'viewer1', email: 'viewer1@example.com', password: 'viewer-pass-1', role: 'viewer' };

let dir;
let mqttPort;
let env;
let platform;
let context;
let page;
let base;
const consoleErrors = [];
let failed = false;

// A failing step leaves the platform's output on stderr, which is where its cause usually is.
function it(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      throw e;
    }
  });
}

async function shot(p, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await p.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

function watchConsole(p) {
  p.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  p.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
}

async function login(p, username, password) {
  await p.goto(`${base}#/login`);
  await p.locator('input[name=username]').fill(username);
  await p.locator('input[name=password]').fill(password);
  await p.locator('form.login-card button[type=submit]').click();
}

async function token(p) {
  return p.evaluate(() => sessionStorage.getItem('blazeiot.token'));
}

async function apiCall(p, method, url, body) {
  const res = await fetch(`${base.replace(/\/$/, '')}${url}`, {
    method,
    headers: { Authorization: `Bearer ${await token(p)}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function waitLive(p) {
  await p.locator('.live-badge[data-state=open]').waitFor({ timeout: 10_000 });
}

async function uploadFirmware(p, { file, version, deviceType, description }) {
  await p.locator('[data-testid=upload-form] input[type=file]').setInputFiles(file);
  await p.locator('[data-testid=upload-form] input[name=version]').fill(version);
  await p.locator('[data-testid=upload-form] input[name=device_type]').fill(deviceType);
  await p.locator('[data-testid=upload-form] input[name=description]').fill(description);
  await p.locator('[data-testid=upload-form] button[type=submit]').click();
  await p.locator(`[data-testid=firmware-list] tr[data-version="${version}"][data-device-type="${deviceType}"]`).waitFor({ timeout: 5000 });
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function firmwareImage(name, size) {
  const image = crypto.randomBytes(size);
  const file = path.join(dir, name);
  fs.writeFileSync(file, image);
  return { image, file, sha256: sha256(image) };
}

// What a device does with an update message: check the manifest's signature against the
// platform's public key, then fetch the image through the signed link it was given, without
// any token, resuming with a Range request halfway, and check its hash.
async function deviceDownload(order, publicKey) {
  const manifest = JSON.stringify({ device_type: order.manifest.device_type, version: order.manifest.version, size: order.size, sha256: order.sha256 });
  assert.equal(manifest, JSON.stringify(order.manifest), 'manifest fields in their signed order');
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey, 'base64').toString('base64url') }, format: 'jwk' });
  assert.ok(crypto.verify(null, Buffer.from(manifest), key, Buffer.from(order.signature, 'base64')), 'manifest signature verifies');
  const link = new URL(order.firmware_url, base);
  assert.ok(link.searchParams.get('signature') && link.searchParams.get('expires'), `signed link: ${order.firmware_url}`);
  const half = Math.floor(order.size / 2);
  const first = await fetch(link, { headers: { Range: `bytes=0-${half - 1}` } });
  assert.equal(first.status, 206, `GET ${link} with Range`);
  assert.equal(first.headers.get('content-range'), `bytes 0-${half - 1}/${order.size}`);
  const a = Buffer.from(await first.arrayBuffer());
  const rest = await fetch(link, { headers: { Range: `bytes=${half}-` } });
  assert.equal(rest.status, 206);
  const b = Buffer.from(await rest.arrayBuffer());
  const got = Buffer.concat([a, b]);
  assert.equal(got.length, order.size);
  assert.equal(sha256(got), order.sha256);
  return got;
}

describe('BlazeIoT dashboard', () => {
  before(async () => {
    // Only this run's screenshots: a renamed page must not leave an old picture behind.
    fs.rmSync(screenshotDir, { recursive: true, force: true });
    dir = tempDir('blazeiot-e2e-');
    const mq = await startMosquitto(dir);
    mqttPort = mq.port;
    const httpPort = await freePort();
    env = platformEnv(dir, mqttPort, httpPort);
    platform = await startPlatform(dir, env);
    base = `http://127.0.0.1:${httpPort}/`;
    context = await launchBrowser(dir);
    page = context.pages()[0] ?? (await context.newPage());
    watchConsole(page);
  });

  after(async () => {
    if (failed && platform) process.stderr.write(`--- platform output (tail) ---\n${platform.output.slice(-4000)}\n`);
    await context?.close().catch(() => undefined);
    await stopAll();
    if (dir && process.env.E2E_KEEP) process.stderr.write(`kept ${dir}\n`);
    else if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is served by the platform from WEB_DIR with a Content-Security-Policy', async () => {
    const res = await fetch(base);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    assert.match(html, /<div id="app">/);
    // The page declares the strict policy itself, so the checks below hold whatever the header.
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]?.replaceAll('&#39;', "'") ?? '';
    assert.match(meta, /script-src 'self';/);
    assert.match(meta, /style-src 'self';/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.ok(csp, 'the platform sends a Content-Security-Policy with the dashboard');
    assert.doesNotMatch(csp, /unsafe-eval/);
    const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert.equal(scripts.trim(), "'self'", `scripts limited to 'self' (header: ${csp})`);
  });

  it('shows an error for a wrong password', async () => {
    await login(page, 'admin', 'not-the-password');
    const error = page.locator('[data-testid=login-error]');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await error.textContent(), /wrong username or password/i);
    assert.equal(await token(page), null);
    await shot(page, '01-login-error');
  });

  it('logs an admin in and shows the overview from /api/status', async () => {
    await login(page, 'admin', 'admin123');
    await page.locator('[data-testid=card-devices]').waitFor({ timeout: 5000 });
    assert.ok(await token(page), 'token kept in sessionStorage');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
    assert.match(await page.locator('[data-testid=card-broker]').textContent(), /Connected/);
    assert.match(await page.locator('[data-testid=card-database]').textContent(), /Available/);
    assert.match(await page.locator('[data-testid=whoami]').textContent(), /admin/);
    await waitLive(page);
    await shot(page, '02-overview');
  });

  it('shows a new device within 1 s of its first message, without reloading', async () => {
    await page.goto(`${base}#/devices`);
    await page.locator('[data-testid=device-summary]').filter({ hasText: /devices/ }).waitFor();
    await waitLive(page);
    await page.evaluate(() => ((window).__noReload = true));
    await publish(mqttPort, `SensorData/${DEVICE}`, { device_id: DEVICE, type: 'temperature', value: 21.5, humidity: 40 });
    const published = Date.now();
    const row = page.locator(`.device-row[data-device-id="${DEVICE}"]`);
    await row.waitFor({ state: 'visible', timeout: 1000 });
    const elapsed = Date.now() - published;
    assert.ok(elapsed <= 1000, `appeared after ${elapsed} ms`);
    await row.locator('[data-status=online]').waitFor({ timeout: 2000 });
    assert.equal(await page.evaluate(() => (window).__noReload), true, 'the page was not reloaded');
    await shot(page, '03-devices');
  });

  it('charts the device readings and adds new ones live', async () => {
    await page.locator(`.device-row[data-device-id="${DEVICE}"] a`).click();
    const chart = page.locator('[data-testid=chart]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart]')?.dataset.points) >= 1, null, { timeout: 5000 });
    assert.match((await chart.getAttribute('data-series')) ?? '', /temperature/);
    assert.match((await chart.getAttribute('data-series')) ?? '', /humidity/);
    await waitLive(page);
    const before = Number(await chart.getAttribute('data-points'));
    await publish(mqttPort, `SensorData/${DEVICE}`, { device_id: DEVICE, type: 'temperature', value: 23.25, humidity: 42 });
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=chart]')?.dataset.points) > n, before, { timeout: 2000 });
    await page.locator('[data-testid=latest-values] dd[data-field=value]').filter({ hasText: '23.25' }).waitFor({ timeout: 2000 });
    await page.waitForTimeout(300);
    await shot(page, '04-device');
  });

  it('reads history through the range picker (start_date/end_date/limit)', async () => {
    await page.locator('.segmented button', { hasText: '24 h' }).click();
    await page.locator('[data-testid=chart-note]').filter({ hasText: /^2 readings/ }).waitFor({ timeout: 5000 });
    await page.locator('.segmented button', { hasText: 'Custom' }).click();
    const hour = 3600_000;
    const local = (t) => new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.locator('.custom-range input[aria-label=From]').fill(local(Date.now() - 48 * hour));
    await page.locator('.custom-range input[aria-label=To]').fill(local(Date.now() - 24 * hour));
    await page.locator('.custom-range button[type=submit]').click();
    await page.locator('[data-testid=chart-note]').filter({ hasText: /^0 readings/ }).waitFor({ timeout: 5000 });
    await page.locator('.custom-range input[aria-label=To]').fill(local(Date.now() + hour));
    await page.locator('.custom-range button[type=submit]').click();
    await page.locator('[data-testid=chart-note]').filter({ hasText: /^2 readings/ }).waitFor({ timeout: 5000 });
  });

  it('uploads firmware, starts an update and follows it live', async () => {
    await page.goto(`${base}#/ota`);
    const { image, file } = firmwareImage('e2e-fw.bin', 64 * 1024 + 123);
    await uploadFirmware(page, { file, version: '2.0.0', deviceType: 'ESP32', description: 'end-to-end image' });
    const publicKey = (await apiCall(page, 'GET', '/api/ota/public-key')).body?.data?.public_key;
    assert.ok(publicKey, 'GET /api/ota/public-key');

    const device = await subscribe(mqttPort, `OTA/${DEVICE}/update`);
    try {
      await waitLive(page);
      await page.locator('[data-testid=ota-form] select[name=firmware_id]').selectOption({ label: '2.0.0 · ESP32' });
      await page.locator(`[data-testid=ota-targets] input[value="${DEVICE}"]`).check();
      assert.equal(await page.locator('[data-testid=ota-start]').textContent(), 'Start update');
      await page.locator('[data-testid=ota-start]').click();

      const order = JSON.parse((await device.next(5000)).payload);
      assert.equal(order.device_id, DEVICE);
      assert.equal(order.firmware_version, '2.0.0');
      assert.equal(order.size, image.length);
      assert.equal(order.sha256, sha256(image));
      assert.ok(order.update_id, 'the update message names its update_id');
      const job = page.locator(`[data-testid=ota-jobs] tr[data-device-id="${DEVICE}"]`);
      await job.waitFor({ timeout: 2000 });

      // The link is signed: without its signature it needs a token, with a wrong one it is refused.
      const link = new URL(order.firmware_url, base);
      assert.equal((await fetch(`${link.origin}${link.pathname}`)).status, 401);
      const forged = new URL(link);
      forged.searchParams.set('signature', 'A'.repeat(forged.searchParams.get('signature').length));
      assert.equal((await fetch(forged)).status, 403);
      assert.ok((await deviceDownload(order, publicKey)).equals(image));

      const respond = (body) => publish(mqttPort, `OTA/${DEVICE}/response`, { device_id: DEVICE, firmware_version: '2.0.0', ...body });
      await respond({ status: 'downloading', progress: 40 });
      await page.locator(`[data-testid=ota-jobs] tr[data-device-id="${DEVICE}"][data-status=downloading]`).waitFor({ timeout: 3000 });
      assert.equal(await job.locator('progress').evaluate((el) => el.value), 40);
      await shot(page, '05-ota-downloading');
      await respond({ status: 'success', progress: 100 });
      await page.locator(`[data-testid=ota-jobs] tr[data-device-id="${DEVICE}"][data-status=success]`).waitFor({ timeout: 3000 });
      assert.match(await job.locator('[data-testid=ota-history]').textContent(), /sent → downloading → success$/);
      await shot(page, '06-ota-success');
    } finally {
      await device.stop();
    }
    await page.goto(`${base}#/devices/${DEVICE}`);
    await page.locator('[data-testid=device-firmware]').filter({ hasText: '2.0.0' }).waitFor({ timeout: 5000 });
    await page.locator('[data-testid=ota-history-table] tr[data-status=success]').filter({ hasText: '2.0.0' }).waitFor({ timeout: 5000 });
    assert.match(await page.locator('[data-testid=ota-history-status]').textContent(), /Updates 1–1 of 1/);
  });

  it('deletes firmware that is not in use', async () => {
    await page.goto(`${base}#/ota`);
    const { file } = firmwareImage('e2e-unused.bin', 1000);
    await uploadFirmware(page, { file, version: '0.0.1', deviceType: 'ESP32', description: 'to be deleted' });
    const row = page.locator('[data-testid=firmware-list] tr[data-version="0.0.1"]');
    page.once('dialog', (d) => d.accept());
    await row.locator('button[data-action=delete]').click();
    await row.waitFor({ state: 'detached', timeout: 5000 });
    const list = await apiCall(page, 'GET', '/api/ota/firmware?device_type=ESP32');
    assert.deepEqual(list.body.data.map((f) => f.version), ['2.0.0']);
  });

  it('runs a campaign over a device type and shows its progress live', async () => {
    for (const id of FLEET) {
      const r = await apiCall(page, 'POST', '/api/devices', { device_id: id, name: `Fleet ${id.slice(-2)}`, type: FLEET_TYPE });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const publicKey = (await apiCall(page, 'GET', '/api/ota/public-key')).body.data.public_key;
    // The page is already #/ota: load it afresh so that it knows the new devices.
    await page.reload();
    await page.evaluate(() => (window.__noReload = true));
    const { file, sha256: sum } = firmwareImage('e2e-fleet.bin', 20_000);
    await uploadFirmware(page, { file, version: '3.1.0', deviceType: FLEET_TYPE, description: 'fleet image' });
    const fleet = await subscribe(mqttPort, 'OTA/+/update');
    try {
      await waitLive(page);
      await page.locator('[data-testid=ota-form] select[name=firmware_id]').selectOption({ label: `3.1.0 · ${FLEET_TYPE}` });
      await page.locator('[data-testid=ota-form] input[name=target_mode][value=type]').check();
      await page.locator('[data-testid=ota-form] input[name=per_minute]').fill('600');
      await page.locator('[data-testid=ota-form] input[name=max_failure_percent]').fill('50');
      assert.equal(await page.locator('[data-testid=ota-start]').textContent(), `Start campaign (3 ${FLEET_TYPE})`);
      await page.locator('[data-testid=ota-start]').click();
      const row = page.locator('[data-testid=campaign-list] tr.campaign-row').first();
      await row.waitFor({ timeout: 3000 });
      const campaignId = await row.getAttribute('data-campaign-id');

      const orders = [];
      for (let i = 0; i < FLEET.length; i++) orders.push(JSON.parse((await fleet.next(8000)).payload));
      assert.deepEqual(orders.map((o) => o.device_id).sort(), FLEET);
      for (const order of orders) {
        assert.equal(order.sha256, sum);
        await deviceDownload(order, publicKey);
        await publish(mqttPort, `OTA/${order.device_id}/response`, { status: 'downloading', progress: 50, firmware_version: '3.1.0' });
      }
      const progress = row.locator('[data-testid=campaign-progress]');
      await progress.filter({ hasText: '0 of 3 succeeded · 0 failed · 3 in flight · 3 started' }).waitFor({ timeout: 5000 });
      assert.equal(await row.getAttribute('data-status'), 'running');
      await row.locator('button', { hasText: 'Devices' }).click();
      await page.locator(`tr.campaign-detail[data-campaign-id="${campaignId}"] tr[data-status=downloading]`).nth(2).waitFor({ timeout: 5000 });
      await shot(page, '07-ota-campaign-running');

      for (const order of orders) await publish(mqttPort, `OTA/${order.device_id}/response`, { status: 'success', progress: 100, firmware_version: '3.1.0' });
      await progress.filter({ hasText: /^3 of 3 succeeded · 0 failed · 0 in flight/ }).waitFor({ timeout: 5000 });
      await page.locator(`[data-testid=campaign-list] tr.campaign-row[data-campaign-id="${campaignId}"][data-status=completed]`).waitFor({ timeout: 8000 });
      assert.equal(await page.locator(`tr.campaign-detail[data-campaign-id="${campaignId}"] tr[data-status=success]`).count(), 3);
      assert.equal(await row.locator('button[data-action=stop]').count(), 0, 'no stop button on a finished campaign');
      assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was not reloaded');
      await shot(page, '08-ota-campaign-completed');
    } finally {
      await fleet.stop();
    }
  });

  it('stops a running campaign, and keeps its firmware while it is in use', async () => {
    const { file } = firmwareImage('e2e-slow.bin', 5000);
    await uploadFirmware(page, { file, version: '3.2.0', deviceType: FLEET_TYPE, description: 'slow rollout' });
    await page.locator('[data-testid=ota-form] select[name=firmware_id]').selectOption({ label: `3.2.0 · ${FLEET_TYPE}` });
    await page.locator('[data-testid=ota-form] input[name=target_mode][value=devices]').check();
    for (const id of FLEET.slice(0, 2)) await page.locator(`[data-testid=ota-targets] input[value="${id}"]`).check();
    await page.locator('[data-testid=ota-form] input[name=per_minute]').fill('1');
    assert.equal(await page.locator('[data-testid=ota-start]').textContent(), 'Start campaign (2 devices)');
    await page.locator('[data-testid=ota-start]').click();
    const row = page.locator('[data-testid=campaign-list] tr.campaign-row[data-status=running]');
    await row.waitFor({ timeout: 3000 });
    await row.locator('[data-testid=campaign-progress]').filter({ hasText: '1 in flight · 1 started' }).waitFor({ timeout: 5000 });
    const campaignId = await row.getAttribute('data-campaign-id');
    page.once('dialog', (d) => d.accept());
    await row.locator('button[data-action=stop]').click();
    const stopped = page.locator(`[data-testid=campaign-list] tr.campaign-row[data-campaign-id="${campaignId}"][data-status=stopped]`);
    await stopped.waitFor({ timeout: 5000 });
    assert.match(await stopped.textContent(), /stopped by admin/);
    assert.equal(await stopped.locator('button[data-action=stop]').count(), 0);
    assert.equal((await apiCall(page, 'POST', `/api/ota/campaigns/${campaignId}/stop`)).status, 409);

    // Its first device's update is still in flight, so the image stays.
    page.once('dialog', (d) => d.accept());
    await page.locator('[data-testid=firmware-list] tr[data-version="3.2.0"] button[data-action=delete]').click();
    await page.locator('.toast-error', { hasText: /Not deleted/ }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('[data-testid=firmware-list] tr[data-version="3.2.0"]').count(), 1);
    await shot(page, '09-ota-campaign-stopped');
  });

  it('sends a command that reaches the device and shows its answer', async () => {
    const device = await subscribe(mqttPort, `CommandRequest/${DEVICE}`);
    try {
      await page.goto(`${base}#/commands?device=${DEVICE}`);
      await page.locator('[data-testid=command-form] input[name=command]').fill('reboot');
      await page.locator('[data-testid=command-form] textarea[name=params]').fill('{"delay": 5}');
      await page.locator('[data-testid=command-form] button[type=submit]').click();
      const msg = JSON.parse((await device.next(5000)).payload);
      assert.equal(msg.device_id, DEVICE);
      assert.equal(msg.command, 'reboot');
      assert.deepEqual(msg.params, { delay: 5 });
      assert.ok(msg.command_id, 'the request names its command_id');
      const row = page.locator(`[data-testid=command-list] tr[data-command-id="${msg.command_id}"]`);
      await row.waitFor({ timeout: 5000 });
      await publish(mqttPort, `CommandResponse/${DEVICE}`, { command_id: msg.command_id, status: 'success', result: { rebooted: true, uptime: 0 } });
      await page.locator(`[data-testid=command-list] tr[data-command-id="${msg.command_id}"][data-status=success]`).waitFor({ timeout: 6000 });
      assert.match(await row.locator('[data-testid=command-result]').textContent(), /"rebooted":true/);
    } finally {
      await device.stop();
    }
  });

  it('lists sent commands newest first, with expiry and a status filter', async () => {
    await page.locator('[data-testid=command-form] input[name=command]').fill('ping');
    await page.locator('[data-testid=command-form] input[name=timeout]').fill('1');
    await page.locator('[data-testid=command-form] button[type=submit]').click();
    const first = page.locator('[data-testid=command-list] tbody tr').first();
    await first.filter({ hasText: 'ping' }).waitFor({ timeout: 5000 });
    await page.locator('[data-testid=command-list] tbody tr[data-status=expired]').filter({ hasText: 'ping' }).waitFor({ timeout: 8000 });
    await shot(page, '10-commands');
    await page.locator('[data-testid=command-filters] select[name=status]').selectOption('success');
    await page.locator('[data-testid=command-list] tbody tr[data-status=success]').first().waitFor({ timeout: 5000 });
    assert.deepEqual(await page.locator('[data-testid=command-list] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status)), ['success']);
    assert.match(await page.locator('[data-testid=command-status]').textContent(), /Commands 1–1 of 1/);
  });

  it('shows gateways and their nodes', async () => {
    await page.goto(`${base}#/gateways`);
    await waitLive(page);
    await publish(mqttPort, `BLEGatewayData/${GATEWAY}`, [
      { gateway_id: GATEWAY, mac: NODE_MAC, beacon_name: ' TempHumBeacon4 ', temperature: 22.1, humidity: 45, rssi: -61 },
    ]);
    const row = page.locator(`tr[data-gateway-id="${GATEWAY}"]`);
    await row.waitFor({ timeout: 3000 });
    await shot(page, '11-gateways');
    await row.locator('a').click();
    const node = page.locator(`tr[data-node-mac="${NODE_MAC}"]`);
    await node.waitFor({ timeout: 5000 });
    assert.match(await node.textContent(), /TempHumBeacon4/);
    await shot(page, '12-gateway-nodes');
  });

  it('filters the logs', async () => {
    await page.goto(`${base}#/logs`);
    const rows = page.locator('[data-testid=log-table] tbody tr:not(.empty)');
    await rows.first().waitFor({ timeout: 5000 });
    const category = (await rows.first().locator('td').nth(2).textContent()).trim();
    assert.ok(category, 'log entries have a category');
    await page.locator('[data-testid=log-filters] input[name=category]').fill(category);
    await page.locator('[data-testid=log-filters] select[name=level]').selectOption('');
    await page.locator('[data-testid=log-filters] button[type=submit]').click();
    await page.locator('[data-testid=logs-status]').filter({ hasText: /^Entries/ }).waitFor({ timeout: 5000 });
    const categories = await rows.locator('td:nth-child(3)').allTextContents();
    assert.ok(categories.length > 0);
    assert.ok(categories.every((c) => c.trim() === category), `all rows in category ${category}: ${categories.join(',')}`);
    await page.locator('[data-testid=log-filters] select[name=level]').selectOption('error');
    await page.locator('[data-testid=log-filters] input[name=category]').fill('no-such-category');
    await page.locator('[data-testid=log-filters] button[type=submit]').click();
    await page.locator('[data-testid=log-table] tr.empty').waitFor({ timeout: 5000 });
    await page.locator('[data-testid=log-filters] input[name=category]').fill('');
    await page.locator('[data-testid=log-filters] select[name=level]').selectOption('');
    await page.locator('[data-testid=log-filters] button[type=submit]').click();
    await rows.first().waitFor({ timeout: 5000 });
    await shot(page, '13-logs');
  });

  it('gives a viewer created through POST /api/users no write controls', async () => {
    const created = await apiCall(page, 'POST', '/api/users', VIEWER);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(`${base}#/users`);
    await page.locator(`[data-testid=user-list] tr[data-username="${VIEWER.username}"]`).waitFor({ timeout: 5000 });
    await shot(page, '14-users');
    assert.ok((await page.locator('.write-control').count()) > 0, 'an admin sees write controls');

    const viewer = await context.newPage();
    watchConsole(viewer);
    try {
      await login(viewer, VIEWER.username, VIEWER.password);
      await viewer.locator('[data-testid=card-devices]').waitFor({ timeout: 5000 });
      const navText = await viewer.locator('#main-nav').textContent();
      assert.doesNotMatch(navText, /Users|Logs/);
      for (const [hash, ready, name] of [
        ['#/', '[data-testid=card-devices]', 'overview'],
        ['#/devices', `.device-row[data-device-id="${DEVICE}"]`, 'devices'],
        [`#/devices/${DEVICE}`, '[data-testid=device-status] .badge', 'device'],
        ['#/gateways', `tr[data-gateway-id="${GATEWAY}"]`, 'gateways'],
        ['#/ota', '[data-testid=campaign-list] tr.campaign-row[data-status=stopped]', 'firmware'],
        ['#/commands', '[data-testid=command-list]', 'commands'],
      ]) {
        await viewer.goto(`${base}${hash}`);
        await viewer.locator(ready).first().waitFor({ timeout: 5000 });
        assert.equal(await viewer.locator('.write-control').count(), 0, `write controls on ${hash}`);
        assert.equal(await viewer.locator('form[data-testid=upload-form], form[data-testid=ota-form], form[data-testid=command-form]').count(), 0);
        assert.equal(await viewer.locator('button[data-action=stop], button[data-action=delete]').count(), 0);
        if (name === 'firmware' || name === 'device') await shot(viewer, `15-viewer-${name}`);
      }
      await viewer.goto(`${base}#/users`);
      await viewer.locator('h1', { hasText: 'Not found' }).waitFor({ timeout: 5000 });
      assert.equal(await viewer.locator('[data-testid=user-form]').count(), 0);
    } finally {
      await viewer.close();
    }
  });

  it('works at phone width', async () => {
    const phone = await context.newPage();
    watchConsole(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await login(phone, 'admin', 'admin123');
      for (const [hash, ready, name] of [
        ['#/', '[data-testid=card-devices]', '16-phone-overview'],
        ['#/devices', `.device-row[data-device-id="${DEVICE}"]`, '17-phone-devices'],
        [`#/devices/${DEVICE}`, '[data-testid=chart] canvas', '18-phone-device'],
        ['#/ota', '[data-testid=campaign-list] tr.campaign-row', '19-phone-firmware'],
        ['#/commands', '[data-testid=command-list] tbody tr[data-status]', '19-phone-commands'],
      ]) {
        await phone.goto(`${base}${hash}`);
        await phone.locator(ready).first().waitFor({ timeout: 5000 });
        await phone.waitForTimeout(200);
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `${hash} is ${width}px wide at a 390px viewport`);
        await shot(phone, name);
      }
      assert.equal(await phone.locator('#main-nav').isVisible(), false);
      await phone.locator('.menu-button').click();
      await phone.locator('#main-nav').waitFor({ state: 'visible' });
      await shot(phone, '20-phone-menu-open');
      await phone.locator('#main-nav a', { hasText: 'Gateways' }).click();
      await phone.locator(`tr[data-gateway-id="${GATEWAY}"]`).waitFor({ timeout: 5000 });
    } finally {
      await phone.close();
    }
  });

  it('stays usable with 1,000 devices', async () => {
    await page.goto(`${base}#/devices`);
    await waitLive(page);
    const lines = [];
    for (let i = 0; i < 1000; i++) lines.push(JSON.stringify({ device_id: `Bulk${String(i).padStart(4, '0')}`, type: 'temperature', value: i / 10 }));
    await publishLines(mqttPort, 'SensorData/bulk', lines);
    await page.locator('[data-testid=device-summary]').filter({ hasText: /^1,00[1-9] devices|^1001 devices/ }).waitFor({ timeout: 15_000 });
    const rendered = await page.locator('.vlist .device-row').count();
    assert.ok(rendered > 5 && rendered < 100, `${rendered} rows in the DOM for over 1,000 devices`);
    await page.locator('.vlist').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator('.device-row[data-device-id="E2EDevice01"]').waitFor({ timeout: 2000 });
    await page.locator('input[type=search]').fill('Bulk0500');
    await page.locator('.device-row[data-device-id="Bulk0500"]').waitFor({ timeout: 2000 });
    assert.equal(await page.locator('.vlist .device-row').count(), 1);
    await page.locator('input[type=search]').fill('');
    await shot(page, '21-devices-1000');
  });

  it('shows a disconnected state when the platform goes away and reconnects by itself', async () => {
    await page.goto(`${base}#/`);
    await waitLive(page);
    await stop(platform);
    const banner = page.locator('[data-testid=disconnected-banner]');
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await banner.textContent(), /Disconnected/);
    await shot(page, '22-disconnected');
    platform = await startPlatform(dir, env);
    await page.locator('.live-badge[data-state=open]').waitFor({ timeout: 25_000 });
    await banner.waitFor({ state: 'hidden', timeout: 2000 });
  });

  it('returns to the login page when the token is refused', async () => {
    await page.evaluate(() => sessionStorage.setItem('blazeiot.token', 'not-a-valid-token'));
    await page.reload();
    await page.locator('form.login-card').waitFor({ timeout: 5000 });
    assert.equal(await token(page), null);
  });

  it('runs without Content-Security-Policy violations or script errors', () => {
    const bad = consoleErrors.filter((e) => /Content Security Policy|Refused to|pageerror/i.test(e));
    assert.deepEqual(bad, []);
  });
});
