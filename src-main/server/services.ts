// The admin API's implementation: one object per contract namespace. Inputs arrive validated and
// defaulted (shared/ipc/validate.ts); store errors become ApiError with the field they are about.
// Every mutation calls `changed(area)` so that a running server applies it at once.
import { open } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { createCertificateApi } from './certificate-service';
import { ApiError, type ApiErrorCode } from '../shared/ipc/errors';
import type { MainApiImpl, ConfigApplyResult } from '../shared/ipc/contract';
import { DEFAULT_SETTINGS, SECRET_SETTINGS, SETTINGS_SCHEMA, isSettingKey, type SettingKey, type Settings } from '../shared/model/settings';
import type { IpRange, PortStatus, ServerStatus, TcpIpPort } from '../shared/model/entities';
import { StoreError } from '../store/errors';
import type { ConfigRepo } from '../store/config-repo';
import type { MailStore } from '../store/mail-store';
import type { QueueRepo } from '../store/queue-repo';
import type { DkimRepo, DomainDkim } from '../store/dkim-repo';
import { dkimDnsRecord, generateDkimKey } from '../delivery/dkim';
import type { DkimInfo, QueueItem, SmartHostTestResult } from '../shared/model/entities';
import type { MessageFiles } from '../store/message-files';
import type { LogSink } from '../logging/logger';
import type { Clock } from './clock';
import { hashPassword, isPasswordHash } from '../security/auth/password-hash';
import { isValidIp, normalizeIp, parseIpList, rangeContains } from '../security/ip/ip-ranges';
import { DEFAULT_IP_RANGES, DEFAULT_PORTS } from './defaults';
import { exportConfig, applyConfig } from './config-document';
import type { TrafficSample } from '../shared/model/entities';
import type { createFolderApi } from './services/account-folders';

export interface ServiceDeps {
  readonly repo: ConfigRepo;
  readonly mail: MailStore;
  readonly queue: QueueRepo;
  readonly dkim: DkimRepo;
  /** The smart host probe (delivery/outbound.ts probeSmartHost), bound to the server's settings. */
  readonly testSmartHost: (to: string) => Promise<SmartHostTestResult>;
  readonly files: MessageFiles;
  readonly sink: LogSink;
  readonly clock: Clock;
  readonly changed: (area: string) => void;
  readonly status: () => ServerStatus;
  readonly portStatus: (ports: TcpIpPort[]) => PortStatus[];
  readonly start: () => Promise<ServerStatus>;
  readonly stop: () => Promise<ServerStatus>;
  /** The last hour, minute by minute (server/traffic.ts). */
  readonly traffic: () => TrafficSample[];
  /** An account's folders and "empty account" (services/account-folders.ts). */
  readonly folders: ReturnType<typeof createFolderApi>;
  /** Utilities → MX query and Diagnostics (services/diagnostics.ts). */
  readonly diagnostics: MainApiImpl['diagnostics'];
  /** Classroom presets (services/presets.ts). */
  readonly presets: MainApiImpl['presets'];
}

const STORE_TO_API: Record<StoreError['code'], ApiErrorCode> = {
  NOTFOUND: 'NOT_FOUND',
  EXISTS: 'CONFLICT',
  INUSE: 'CONFLICT',
  LIMIT: 'LIMIT',
  PARAMS: 'VALIDATION',
  NOQUOTA: 'LIMIT',
  PERM: 'UNAUTHORIZED',
  TEMP: 'UNAVAILABLE',
  EXPUNGED: 'NOT_FOUND',
  TOOBIG: 'LIMIT',
};

/** Runs `fn`, turning StoreError into ApiError. */
function dkimInfo(x: DomainDkim): DkimInfo {
  return {
    domainId: x.domainId,
    domain: x.domain,
    enabled: x.enabled,
    selector: x.key?.selector ?? '',
    algorithm: x.key?.algorithm ?? 'rsa-sha256',
    record: x.key ? dkimDnsRecord(x.key) : null,
  };
}

export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StoreError) throw new ApiError(STORE_TO_API[e.code], e.message, e.field);
    throw e;
  }
}

/** Settings values typed at a command line arrive as strings: read them as the schema's type. */
export function coerceSetting(key: SettingKey, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const def = DEFAULT_SETTINGS[key];
  if (typeof def === 'number' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  if (typeof def === 'boolean') {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return true;
    if (['false', 'no', 'off', '0'].includes(v)) return false;
  }
  return value;
}

/** A message file's header block (at most 64 KiB), as text. */
async function readHeader(path: string): Promise<string> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return '';
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const end = text.search(/\r?\n\r?\n/);
    return end === -1 ? text : text.slice(0, end);
  } finally {
    await fh.close();
  }
}

const QUEUE_REASONS: Record<QueueItem['reason'], string> = {
  relay: 'sent by a user of this server to another server',
  forward: 'forwarded by an account, alias or list to an outside address',
  autoreply: 'an automatic reply',
  bounce: 'a non-delivery report to the sender',
};

/** What a read shows in place of a secret that is set. */
export const SECRET_MASK = '********';

export function validateSettings(input: Record<string, unknown>): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(input)) {
    if (!isSettingKey(key)) {
      const near = Object.keys(SETTINGS_SCHEMA.shape).filter((k) => k.toLowerCase().includes(key.toLowerCase().split('.').pop() ?? ''));
      throw new ApiError('VALIDATION', `unknown setting "${key}"${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}`, 'key');
    }
    // A form that shows a secret masked sends the mask back unchanged: that keeps the secret.
    if (SECRET_SETTINGS.has(key) && raw === SECRET_MASK) continue;
    const value = coerceSetting(key, raw);
    const def = DEFAULT_SETTINGS[key];
    if (typeof def === 'number' && typeof value !== 'number') throw fieldError(key, `expected a whole number, not ${JSON.stringify(raw)}`);
    if (typeof def === 'boolean' && typeof value !== 'boolean') throw fieldError(key, `expected true or false, not ${JSON.stringify(raw)}`);
    const r = SETTINGS_SCHEMA.shape[key].safeParse(value);
    if (!r.success) throw fieldError(key, r.error.issues[0]?.message ?? 'invalid value');
    if (key === 'autoban.exempt') {
      try {
        parseIpList(r.data as string);
      } catch (e) {
        throw fieldError(key, (e as Error).message);
      }
    }
    // A cipher list OpenSSL does not take would leave every TLS port without a context.
    if (key === 'tls.ciphers' && r.data !== '') {
      try {
        createSecureContext({ ciphers: r.data as string });
      } catch {
        throw fieldError(key, 'OpenSSL does not accept this cipher list (example: ECDHE+AESGCM:ECDHE+CHACHA20)');
      }
    }
    out[key] = r.data;
  }
  return out as Partial<Settings>;
}

function maskSettings(s: Settings): Settings {
  const out: Record<string, unknown> = { ...s };
  for (const k of SECRET_SETTINGS) if (out[k]) out[k] = SECRET_MASK;
  return out as Settings;
}

/** A validation error whose message starts with the field, as schema errors do. */
export function fieldError(field: string, message: string): ApiError {
  return new ApiError('VALIDATION', `${field}: ${message}`, field);
}

/** Checks an IP range beyond its schema: real addresses, one family, lower ≤ upper. */
export function checkRange(r: Pick<IpRange, 'lower' | 'upper'>): void {
  for (const end of ['lower', 'upper'] as const) if (!isValidIp(r[end])) throw fieldError(end, 'not an IP address');
  if (normalizeIp(r.lower).includes(':') !== normalizeIp(r.upper).includes(':')) throw fieldError('upper', 'both ends of a range must be IPv4 or both IPv6');
  if (!rangeContains(r, r.lower)) throw fieldError('upper', 'the upper IP is below the lower IP');
}

export function createServices(d: ServiceDeps): MainApiImpl {
  const { repo } = d;
  const now = () => d.clock.now().toISOString();
  const changed = d.changed;

  const api: MainApiImpl = {
    server: {
      status: () => d.status(),
      start: () => d.start(),
      stop: () => d.stop(),
      traffic: () => d.traffic(),
    },
    admin: {
      setPassword: async ({ password }) => {
        repo.setAdminPasswordHash(await hashPassword(password));
        changed('admin');
      },
    },
    settings: {
      get: () => maskSettings(repo.getSettings()),
      set: ({ key, value }) => {
        const v = validateSettings({ [key]: value });
        repo.setSettings(v);
        changed('settings');
        return maskSettings(repo.getSettings());
      },
      update: (input) => {
        const v = validateSettings(input);
        repo.setSettings(v);
        changed('settings');
        return maskSettings(repo.getSettings());
      },
      reset: ({ key }) => {
        if (!isSettingKey(key)) throw new ApiError('VALIDATION', `unknown setting "${key}"`, 'key');
        repo.setSettings({ [key]: DEFAULT_SETTINGS[key] } as Partial<Settings>);
        changed('settings');
        return maskSettings(repo.getSettings());
      },
    },
    domains: {
      list: () => repo.listDomains(),
      get: ({ id }) => guard(() => repo.getDomain(id)),
      add: (input) => {
        const dom = guard(() => repo.addDomain(input));
        changed('domains');
        return dom;
      },
      update: ({ id, ...rest }) => {
        const dom = guard(() => repo.updateDomain(id, rest));
        changed('domains');
        return dom;
      },
      remove: ({ id }) => {
        guard(() => repo.removeDomain(id));
        changed('domains');
      },
    },
    accounts: {
      list: (input) => repo.listAccounts(input?.domain),
      get: ({ id }) => guard(() => repo.getAccount(id)),
      add: async ({ password, ...rest }) => {
        const hash = await hashPassword(password);
        const acc = guard(() => repo.addAccount(rest, hash));
        d.mail.ensureDefaultMailboxes(acc.id);
        changed('accounts');
        return acc;
      },
      update: ({ id, ...rest }) => {
        if (rest.forwardEnabled && rest.forwardTo === '') throw new ApiError('VALIDATION', 'forwarding needs an address', 'forwardTo');
        const acc = guard(() => repo.updateAccount(id, rest));
        if (acc.forwardEnabled && !acc.forwardTo) throw new ApiError('VALIDATION', 'forwarding needs an address', 'forwardTo');
        changed('accounts');
        return acc;
      },
      setPassword: async ({ id, password }) => {
        guard(() => repo.getAccount(id));
        const hash = await hashPassword(password);
        guard(() => repo.setPasswordHash(id, hash));
        changed('accounts');
      },
      remove: ({ id }) => {
        guard(() => repo.removeAccount(id));
        changed('accounts');
      },
      ...d.folders,
    },
    aliases: {
      list: (input) => repo.listAliases(input?.domain),
      add: (input) => {
        const a = guard(() => repo.addAlias(input));
        changed('aliases');
        return a;
      },
      update: ({ id, ...rest }) => {
        const a = guard(() => repo.updateAlias(id, rest));
        changed('aliases');
        return a;
      },
      remove: ({ id }) => {
        guard(() => repo.removeAlias(id));
        changed('aliases');
      },
    },
    lists: {
      list: (input) => repo.listLists(input?.domain),
      get: ({ id }) => guard(() => repo.getList(id)),
      add: (input) => {
        const l = guard(() => repo.addList(input));
        changed('lists');
        return l;
      },
      update: ({ id, ...rest }) => {
        const l = guard(() => repo.updateList(id, rest));
        changed('lists');
        return l;
      },
      remove: ({ id }) => {
        guard(() => repo.removeList(id));
        changed('lists');
      },
      addMember: ({ listId, address }) => {
        const l = guard(() => repo.addListMember(listId, address));
        changed('lists');
        return l;
      },
      removeMember: ({ listId, address }) => {
        const l = guard(() => repo.removeListMember(listId, address));
        changed('lists');
        return l;
      },
    },
    ports: {
      list: () => d.portStatus(repo.listPorts()),
      add: (input) => {
        if (input.certificateId !== null) guard(() => certificateExists(input.certificateId!));
        const p = guard(() => repo.addPort({ ...input, address: input.address || '0.0.0.0' }));
        changed('ports');
        return p;
      },
      update: ({ id, ...rest }) => {
        if (rest.certificateId) guard(() => certificateExists(rest.certificateId!));
        const p = guard(() => repo.updatePort(id, rest));
        changed('ports');
        return p;
      },
      remove: ({ id }) => {
        guard(() => repo.removePort(id));
        changed('ports');
      },
      resetDefaults: () => {
        const ports = guard(() => repo.replacePorts(DEFAULT_PORTS.map((p) => ({ ...p, certificateId: null }))));
        changed('ports');
        return ports;
      },
    },
    ipRanges: {
      list: () => repo.listIpRanges(),
      add: (input) => {
        checkRange(input);
        const r = guard(() => repo.addIpRange(input));
        changed('ipRanges');
        return r;
      },
      update: ({ id, ...rest }) => {
        const merged = { ...guard(() => repo.getIpRange(id)), ...rest };
        checkRange(merged);
        const r = guard(() => repo.updateIpRange(id, rest));
        changed('ipRanges');
        return r;
      },
      remove: ({ id }) => {
        guard(() => repo.removeIpRange(id));
        changed('ipRanges');
      },
      resetDefaults: () => {
        const r = repo.replaceIpRanges(DEFAULT_IP_RANGES.map((x) => ({ ...x })));
        changed('ipRanges');
        return r;
      },
    },
    autoban: {
      list: () => repo.listBans(now()),
      ban: ({ ip, minutes, reason }) => {
        if (!isValidIp(ip)) throw fieldError('ip', 'not an IP address');
        const t = d.clock.now();
        const b = repo.ban(normalizeIp(ip), reason, t.toISOString(), new Date(t.getTime() + minutes * 60_000).toISOString());
        changed('autoban');
        return b;
      },
      unban: ({ id }) => {
        guard(() => repo.unban(id));
        changed('autoban');
      },
    },
    certificates: createCertificateApi(repo, d.clock, changed, guard),
    delivery: {
      testSmartHost: ({ to }) => d.testSmartHost(to),
    },
    dkim: {
      get: ({ domainId }) => dkimInfo(guard(() => d.dkim.get(domainId))),
      generate: ({ domainId, selector, algorithm }) => {
        const current = guard(() => d.dkim.get(domainId));
        const key = generateDkimKey(current.domain, selector, algorithm);
        guard(() => d.dkim.setKey(domainId, key));
        changed('dkim');
        return dkimInfo(d.dkim.get(domainId));
      },
      disable: ({ domainId }) => {
        guard(() => d.dkim.disable(domainId));
        changed('dkim');
        return dkimInfo(d.dkim.get(domainId));
      },
    },
    routes: {
      list: () => repo.listRoutes(),
      add: (input) => {
        const r = guard(() => repo.addRoute(input));
        changed('routes');
        return r;
      },
      update: ({ id, ...rest }) => {
        const r = guard(() => repo.updateRoute(id, rest));
        changed('routes');
        return r;
      },
      remove: ({ id }) => {
        guard(() => repo.removeRoute(id));
        changed('routes');
      },
    },
    queue: {
      list: () => d.queue.list(),
      get: async ({ id }) => {
        const row = d.queue.get(id);
        const item = d.queue.list().find((q) => q.id === id);
        if (!row || !item) throw new ApiError('NOT_FOUND', `queue entry ${id} not found`, 'id');
        return { ...item, header: await readHeader(d.files.abs(row.file)), reasonText: QUEUE_REASONS[item.reason] };
      },
      remove: async ({ id }) => {
        const file = guard(() => d.queue.remove(id));
        await d.files.remove(file);
        changed('queue');
      },
      clear: async () => {
        const files = d.queue.clear();
        await Promise.all(files.map((f) => d.files.remove(f)));
        changed('queue');
        return files.length;
      },
      flush: () => {
        const n = d.queue.sendAllNow(now());
        changed('queue');
        return n;
      },
      sendNow: ({ id }) => {
        guard(() => d.queue.sendNow(id, now()));
        changed('queue');
      },
    },
    diagnostics: d.diagnostics,
    presets: d.presets,
    logs: {
      recent: (input) => d.sink.recent(input?.limit ?? 200),
    },
    config: {
      export: (input) => exportConfig(repo, { all: input?.all ?? false }),
      apply: async ({ document }): Promise<ConfigApplyResult> => {
        const r = await applyConfig(api, repo, document, isPasswordHash);
        for (const a of repo.listAccounts()) d.mail.ensureDefaultMailboxes(a.id);
        changed('config');
        return r;
      },
    },
  };

  function certificateExists(id: number): void {
    if (!repo.listCertificateRows().some((c) => c.id === id)) throw new StoreError('NOTFOUND', `certificate ${id} not found`, 'certificateId');
  }

  return api;
}
