// Processes for the end-to-end suite: a private Mosquitto, the platform, Chromium and small
// MQTT helpers built on mosquitto_pub / mosquitto_sub. Everything binds to loopback on free
// ports, and everything started here is stopped here, by PID.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoDir = path.resolve(webDir, '..');
export const screenshotDir = path.join(webDir, 'tests/e2e/screenshots');

const children = new Set();

// Should the run die half-way (an uncaught error, Ctrl-C), still stop by PID what it started.
function killLeftovers() {
  for (const rec of children) {
    try {
      if (rec.child.pid && rec.child.exitCode === null && rec.child.signalCode === null) process.kill(rec.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killLeftovers);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killLeftovers();
    process.exit(130);
  });
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function track(child, name, logFile) {
  const rec = { child, name, output: '' };
  const sink = logFile ? fs.createWriteStream(logFile) : null;
  const collect = (chunk) => {
    rec.output += chunk.toString();
    if (rec.output.length > 200_000) rec.output = rec.output.slice(-100_000);
    sink?.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // A child that cannot be started emits 'error' and never 'exit'.
  rec.exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', (err) => {
      rec.error = err;
      resolve();
    });
  }).then(() => sink?.end());
  children.add(rec);
  rec.exited.then(() => children.delete(rec));
  return rec;
}

export async function stop(rec, timeoutMs = 5000) {
  if (!rec || rec.error || rec.child.exitCode !== null || rec.child.signalCode !== null) return;
  rec.child.kill('SIGTERM');
  const done = await Promise.race([rec.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!done) {
    rec.child.kill('SIGKILL');
    await rec.exited;
  }
}

export async function stopAll() {
  for (const rec of [...children].reverse()) await stop(rec);
}

export async function startMosquitto(dir) {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const rec = track(spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] }), 'mosquitto', path.join(dir, 'mosquitto.log'));
  await waitForPort(port, 5000);
  return { port, rec };
}

// Only these pass through from the caller's environment: a developer's DATABASE_URL,
// PUBLIC_URL, ADMIN_PASSWORD or MQTT_HOST must not steer the platform under test.
const kInheritedEnv = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'LD_LIBRARY_PATH', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'];

export function platformEnv(dir, mqttPort, httpPort) {
  return {
    ...Object.fromEntries(kInheritedEnv.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    DB_TYPE: 'sqlite',
    MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
    PORT: String(httpPort),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(dir, 'data'),
    SQLITE_PATH: path.join(dir, 'data', 'blazeiot.db'),
    LOG_DIR: path.join(dir, 'logs'),
    UPLOAD_DIR: path.join(dir, 'uploads'),
    WEB_DIR: path.join(webDir, 'dist'),
    // Fixed for the run so that a token survives a restart of the platform.
    JWT_SECRET: `e2e-${process.pid}-${Date.now()}-secret-with-enough-length`,
  };
}

export async function startPlatform(dir, env, timeoutMs = 30_000) {
  const bin = path.resolve(webDir, process.env.BLAZEIOT_BIN ?? '../build/blazeiot');
  if (!fs.existsSync(bin)) throw new Error(`platform binary not found: ${bin} (set BLAZEIOT_BIN)`);
  for (const d of ['DATA_DIR', 'LOG_DIR', 'UPLOAD_DIR']) fs.mkdirSync(env[d], { recursive: true });
  // The working directory is the test's own, so no developer's .env is picked up.
  const child = spawn(bin, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = track(child, 'platform', path.join(dir, `platform-${Date.now()}.log`));
  const deadline = Date.now() + timeoutMs;
  while (!rec.output.includes('Platform ready')) {
    if (rec.error) throw new Error(`cannot start ${bin}: ${rec.error.message}`);
    if (child.exitCode !== null) throw new Error(`platform exited with ${child.exitCode}:\n${rec.output.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`platform not ready after ${timeoutMs} ms:\n${rec.output.slice(-3000)}`);
    await sleep(50);
  }
  return rec;
}

export async function launchBrowser(dir) {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} is missing: apt-get install -y chromium`);
  return chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: 'en-US',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function runClient(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`))));
    if (input) child.stdin.end(input);
  });
}

export function publish(port, topic, payload) {
  return runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', typeof payload === 'string' ? payload : JSON.stringify(payload)]);
}

// One message per line of `lines`, all through one connection.
export function publishLines(port, topic, lines) {
  return runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-l'], lines.join('\n') + '\n');
}

// A subscriber standing in for a device. Resolves once the broker has acknowledged the
// subscription, so nothing published after that can be missed.
export async function subscribe(port, topic) {
  // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe, which would hide the SUBACK.
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-v', '-d'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = track(child, `sub ${topic}`);
  const queue = [];
  const waiters = [];
  let buffer = '';
  let subscribed = false;
  child.stdout.on('data', (chunk) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.includes('SUBACK')) subscribed = true;
      if (/^(Client |Subscribed \()/.test(line) || !line.includes(' ')) continue;
      const sp = line.indexOf(' ');
      const msg = { topic: line.slice(0, sp), payload: line.slice(sp + 1) };
      const w = waiters.shift();
      if (w) w(msg);
      else queue.push(msg);
    }
  });
  const deadline = Date.now() + 5000;
  while (!subscribed) {
    if (Date.now() > deadline) throw new Error(`no SUBACK for ${topic}: ${rec.output}`);
    if (child.exitCode !== null) throw new Error(`mosquitto_sub exited: ${rec.output}`);
    await sleep(20);
  }
  return {
    next(timeoutMs = 5000) {
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (m) => (clearTimeout(timer), resolve(m));
        waiters.push(done);
      });
    },
    stop: () => stop(rec),
  };
}
