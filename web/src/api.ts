// Every REST call the dashboard makes, in one place. Shapes follow the platform's contract:
// a list is {success, count, data:[...]}, an item {success, data}, an error {success:false,
// message} and a validation failure {success:false, errors:[{field, message}]}.
// Calls the contract does not pin down (users, commands list, campaigns) are marked below so
// they are easy to adjust.
import { session, type User } from './session';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

interface RequestOptions {
  query?: Query;
  json?: unknown;
  form?: FormData;
  // The login call expects 401 for a wrong password; it must not end the session.
  anonymous?: boolean;
}

interface Envelope<T> {
  success: boolean;
  data?: T;
  count?: number;
  total?: number;
  message?: string;
  errors?: FieldError[];
}

export function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Envelope<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = session.token();
  if (token && !options.anonymous) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.form) {
    body = options.form;
  } else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let res: Response;
  try {
    res = await fetch(url(path, options.query), { method, headers, body });
  } catch {
    throw new ApiError(0, 'The platform cannot be reached');
  }
  let payload: Envelope<T> | null = null;
  try {
    payload = (await res.json()) as Envelope<T>;
  } catch {
    payload = null;
  }
  if (res.status === 401 && !options.anonymous) {
    session.expire('Your session has expired. Please log in again.');
  }
  if (!res.ok || (payload && payload.success === false)) {
    const errors = payload?.errors ?? [];
    let message = payload?.message ?? (errors.length ? errors.map((e) => `${e.field}: ${e.message}`).join('; ') : '');
    if (!message) {
      message =
        res.status === 403
          ? 'You are not allowed to do this'
          : res.status === 429
            ? 'Too many requests; try again in a moment'
            : `Request failed (HTTP ${res.status})`;
    }
    throw new ApiError(res.status, message, errors);
  }
  return payload ?? { success: true };
}

async function list<T>(path: string, query?: Query): Promise<T[]> {
  const env = await request<T[]>('GET', path, { query });
  return Array.isArray(env.data) ? env.data : [];
}

async function page<T>(path: string, query?: Query): Promise<{ data: T[]; total: number | null }> {
  const env = await request<T[]>('GET', path, { query });
  const data = Array.isArray(env.data) ? env.data : [];
  return { data, total: typeof env.total === 'number' ? env.total : null };
}

async function item<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
  const env = await request<T>(method, path, options);
  return env.data as T;
}

const enc = encodeURIComponent;

export interface Device {
  device_id: string;
  name?: string;
  type?: string;
  firmware_version?: string;
  status?: string;
  last_seen?: string | null;
  metadata?: unknown;
  created_at?: string;
}

export interface Gateway {
  gateway_id: string;
  name?: string;
  type?: string;
  status?: string;
  last_seen?: string | null;
  node_count?: number;
}

export interface GatewayNode {
  mac: string;
  gateway_id?: string;
  name?: string;
  type?: string;
  status?: string;
  last_seen?: string | null;
}

export interface Reading {
  id?: number;
  source_type?: string;
  source_id?: string;
  type?: string | null;
  value?: number | null;
  data?: Record<string, unknown> | null;
  timestamp: string;
}

export interface Firmware {
  id?: number;
  version: string;
  device_type?: string;
  description?: string;
  filename?: string;
  file_path?: string;
  file_url?: string;
  url?: string;
  size?: number;
  file_size?: number;
  sha256?: string;
  checksum?: string;
  created_at?: string;
}

export interface OtaRecord {
  id?: number;
  device_id: string;
  firmware_version?: string;
  status?: string;
  progress?: number | null;
  error?: string | null;
  created_at?: string;
  updated_at?: string;
  timestamp?: string;
}

export interface CommandRecord {
  command_id?: string;
  id?: string | number;
  device_id: string;
  command: string;
  params?: unknown;
  status?: string;
  created_at?: string;
  timestamp?: string;
}

export interface LogEntry {
  id?: number;
  category?: string;
  level?: string;
  source?: string;
  message: string;
  details?: unknown;
  timestamp: string;
}

export interface PlatformStatus {
  system?: string;
  version?: string;
  status?: string;
  uptime?: number;
  mqtt?: { connected?: boolean; broker?: string; embedded?: boolean };
  stats?: {
    devices?: number;
    devices_online?: number;
    gateways?: number;
    gateways_online?: number;
    nodes?: number;
    nodes_online?: number;
  };
  ingest?: {
    messages_received?: number;
    messages_rejected?: number;
    readings_stored?: number;
    messages_per_second?: number;
    backlog?: number;
  };
  database?: { type?: string; connected?: boolean; status?: string; size_bytes?: number };
}

export interface LogFilter {
  category?: string;
  level?: string;
  start_date?: string;
  end_date?: string;
  limit?: number;
  offset?: number;
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
  role: string;
}

export const api = {
  async login(username: string, password: string): Promise<{ token: string; user: User }> {
    const env = (await request<never>('POST', '/api/auth/login', {
      json: { username, password },
      anonymous: true,
    })) as Envelope<never> & { token?: string; user?: User };
    if (!env.token || !env.user) throw new ApiError(500, 'The platform sent no token');
    return { token: env.token, user: env.user };
  },
  me: () => item<User>('GET', '/api/auth/me'),
  status: () => item<PlatformStatus>('GET', '/api/status'),

  devices: () => list<Device>('/api/devices'),
  device: (id: string) => item<Device>('GET', `/api/devices/${enc(id)}`),
  createDevice: (device: { device_id: string; name?: string; type?: string }) =>
    item<Device>('POST', '/api/devices', { json: device }),
  deviceData: (id: string, range: { start_date?: string; end_date?: string; limit?: number }) =>
    list<Reading>(`/api/devices/${enc(id)}/data`, range),

  gateways: () => list<Gateway>('/api/gateways'),
  gateway: (id: string) => item<Gateway>('GET', `/api/gateways/${enc(id)}`),
  gatewayNodes: (id: string) => list<GatewayNode>(`/api/gateways/${enc(id)}/nodes`),

  firmware: () => list<Firmware>('/api/ota/firmware'),
  uploadFirmware: (form: FormData) => item<Firmware>('POST', '/api/ota/firmware', { form }),
  triggerUpdate: (device_id: string, firmware_version: string, firmware_url?: string) =>
    item<OtaRecord>('POST', '/api/ota/update', {
      json: firmware_url ? { device_id, firmware_version, firmware_url } : { device_id, firmware_version },
    }),
  otaHistory: (device_id: string) => list<OtaRecord>(`/api/ota/history/${enc(device_id)}`),
  // Not in the contract: a campaign is one update per device, started here one after the
  // other. Returns the devices whose update could not be started.
  async startCampaign(
    deviceIds: string[],
    firmware_version: string,
    onStarted: (device_id: string, status: string) => void,
  ): Promise<{ device_id: string; message: string }[]> {
    const failures: { device_id: string; message: string }[] = [];
    for (const id of deviceIds) {
      try {
        const record = await api.triggerUpdate(id, firmware_version);
        onStarted(id, typeof record?.status === 'string' && record.status ? record.status : 'sent');
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) throw e;
        failures.push({ device_id: id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return failures;
  },

  sendCommand: (device_id: string, command: string, params: Record<string, unknown>) =>
    item<CommandRecord>('POST', '/api/commands/send', { json: { device_id, command, params } }),
  // Not in the contract: the list of commands sent, optionally for one device.
  commands: (device_id?: string) => list<CommandRecord>('/api/commands', { device_id }),

  logs: (filter: LogFilter) => page<LogEntry>('/api/logs', { ...filter }),

  // Not in the contract: user management, admins only.
  users: () => list<User & { last_login?: string | null; created_at?: string }>('/api/users'),
  createUser: (user: NewUser) => item<User>('POST', '/api/users', { json: user }),
  updateUser: (id: number, changes: Partial<Omit<NewUser, 'username'>>) =>
    item<User>('PUT', `/api/users/${id}`, { json: changes }),
  deleteUser: (id: number) => request<never>('DELETE', `/api/users/${id}`),
};

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
