// Every REST call the dashboard makes, in one place. Shapes follow the platform's contract:
// a list is {success, count, data:[...]}, an item {success, data}, an error {success:false,
// message} and a validation failure {success:false, errors:[{field, message}]}.
// Users, OTA campaigns and the commands list are the platform's own additions to the
// original API; their shapes are the platform's (see web/README.md).
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
  id: number;
  version: string;
  device_type: string;
  description?: string;
  filename?: string;
  size?: number;
  sha256?: string;
  manifest?: unknown;
  signature?: string;
  uploaded_by?: string;
  created_at?: string;
  // Needs an admin token (or the signed link a device gets in its update message).
  download_path?: string;
}

// pending -> sent -> accepted / downloading (progress) / installing -> success | failed |
// timed_out | cancelled
export interface OtaUpdate {
  id: number;
  device_id: string;
  firmware_id?: number | null;
  firmware_version: string;
  campaign_id?: number | null;
  status: string;
  progress?: number | null;
  error?: string | null;
  created_at?: string;
  updated_at?: string;
  completed_at?: string | null;
}

export interface CampaignProgress {
  targets: number;
  started: number;
  succeeded: number;
  failed: number;
  in_flight: number;
}

export interface Campaign {
  id: number;
  firmware_id: number;
  firmware_version: string;
  device_type: string;
  device_ids: string[];
  per_minute: number;
  max_failure_ratio: number;
  // running | completed | stopped | halted
  status: string;
  reason?: string;
  created_by?: string;
  created_at?: string;
  updated_at?: string;
  finished_at?: string | null;
  progress: CampaignProgress;
}

export type NewCampaign = {
  firmware_id: number;
  per_minute?: number;
  max_failure_ratio?: number;
} & ({ device_type: string } | { device_ids: string[] });

// pending -> sent -> success | failed | expired
export interface CommandRecord {
  id?: number;
  command_id: string;
  device_id: string;
  command: string;
  params?: unknown;
  status: string;
  result?: unknown;
  created_by?: string;
  created_at?: string;
  updated_at?: string;
  expires_at?: string | null;
}

export interface CommandFilter {
  device_id?: string;
  status?: string;
  limit?: number;
  offset?: number;
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

  firmware: (device_type?: string) => list<Firmware>('/api/ota/firmware', { device_type }),
  uploadFirmware: (form: FormData) => item<Firmware>('POST', '/api/ota/firmware', { form }),
  deleteFirmware: (id: number) => request<never>('DELETE', `/api/ota/firmware/${id}`),
  // The image itself, with the admin's token (a plain link would carry none).
  async downloadFirmware(f: Firmware): Promise<Blob> {
    const headers: Record<string, string> = {};
    const token = session.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(f.download_path ?? `/firmware/${enc(f.filename ?? '')}`, { headers });
    if (res.status === 401) session.expire('Your session has expired. Please log in again.');
    if (!res.ok) throw new ApiError(res.status, `Download failed (HTTP ${res.status})`);
    return res.blob();
  },
  // The firmware is the one of this version for the device's type.
  triggerUpdate: (device_id: string, firmware_version: string, firmware_url?: string) =>
    item<OtaUpdate>('POST', '/api/ota/update', {
      json: firmware_url ? { device_id, firmware_version, firmware_url } : { device_id, firmware_version },
    }),
  otaHistory: (device_id: string, paging: { limit?: number; offset?: number } = {}) =>
    page<OtaUpdate>(`/api/ota/history/${enc(device_id)}`, paging),

  campaigns: () => list<Campaign>('/api/ota/campaigns'),
  campaign: (id: number) => item<Campaign>('GET', `/api/ota/campaigns/${id}`),
  campaignUpdates: (id: number) => list<OtaUpdate>(`/api/ota/campaigns/${id}/updates`),
  createCampaign: (campaign: NewCampaign) => item<Campaign>('POST', '/api/ota/campaigns', { json: campaign }),
  stopCampaign: (id: number) => item<Campaign>('POST', `/api/ota/campaigns/${id}/stop`),

  sendCommand: (device_id: string, command: string, params: Record<string, unknown>, timeout?: number) =>
    item<CommandRecord>('POST', '/api/commands/send', {
      json: timeout ? { device_id, command, params, timeout } : { device_id, command, params },
    }),
  // Newest first.
  commands: (filter: CommandFilter = {}) => page<CommandRecord>('/api/commands', { ...filter }),
  command: (command_id: string) => item<CommandRecord>('GET', `/api/commands/${enc(command_id)}`),

  logs: (filter: LogFilter) => page<LogEntry>('/api/logs', { ...filter }),

  // User management, admins only.
  users: () => list<User & { last_login?: string | null; created_at?: string }>('/api/users'),
  createUser: (user: NewUser) => item<User>('POST', '/api/users', { json: user }),
  updateUser: (id: number, changes: Partial<Omit<NewUser, 'username'>>) =>
    item<User>('PUT', `/api/users/${id}`, { json: changes }),
  deleteUser: (id: number) => request<never>('DELETE', `/api/users/${id}`),
};

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
