// Configuration repository: the only place that writes SQL for the settings tree (domains,
// accounts, aliases, lists, ports, IP ranges, bans, certificates, settings). It returns DTOs from
// src-main/shared and throws StoreError with closed codes; services map those to ApiError.
import type Database from 'better-sqlite3';
import type { Db } from './db';
import { StoreError } from './errors';
import { DEFAULT_SETTINGS, SECRET_SETTINGS, SETTINGS_SCHEMA, isSettingKey, type SettingKey, type Settings } from '../shared/model/settings';
import { SecretError, isSealed, type SecretBox } from '../security/secrets';
import { domainOf } from '../shared/util/address';
import type {
  Account,
  AdminLevel,
  Alias,
  BannedIp,
  DistributionList,
  Domain,
  IpRange,
  ListMode,
  PortSecurity,
  Protocol,
  Route,
  TcpIpPort,
} from '../shared/model/entities';

type Row = Record<string, unknown>;
const b = (v: unknown): boolean => v === 1 || v === true;
const n = (v: boolean | undefined): number | undefined => (v === undefined ? undefined : v ? 1 : 0);

export interface AccountSecret {
  readonly id: number;
  readonly address: string;
  readonly passwordHash: string;
  readonly enabled: boolean;
  readonly domainEnabled: boolean;
}

function mapDomain(r: Row, aliases: string[], accountCount: number): Domain {
  return {
    id: r.id as number,
    name: r.name as string,
    enabled: b(r.enabled),
    catchAll: r.catch_all as string,
    plusAddressing: b(r.plus_addressing),
    plusAddressingChar: r.plus_addressing_char as string,
    maxMessageSizeKb: r.max_message_size_kb as number,
    maxSizeMb: r.max_size_mb as number,
    maxAccountSizeMb: r.max_account_size_mb as number,
    maxAccounts: r.max_accounts as number,
    maxAliases: r.max_aliases as number,
    maxLists: r.max_lists as number,
    aliases,
    accountCount,
  };
}

function mapAccount(r: Row): Account {
  return {
    id: r.id as number,
    domainId: r.domain_id as number,
    address: r.address as string,
    enabled: b(r.enabled),
    quotaMb: r.quota_mb as number,
    sizeBytes: r.size_bytes as number,
    adminLevel: r.admin_level as AdminLevel,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    forwardEnabled: b(r.forward_enabled),
    forwardTo: r.forward_to as string,
    forwardKeepCopy: b(r.forward_keep_copy),
    autoReplyEnabled: b(r.autoreply_enabled),
    autoReplySubject: r.autoreply_subject as string,
    autoReplyText: r.autoreply_text as string,
    autoReplyExpires: (r.autoreply_expires as string | null) ?? null,
    lastLogonAt: (r.last_logon_at as string | null) ?? null,
  };
}

function mapAlias(r: Row): Alias {
  return { id: r.id as number, domainId: r.domain_id as number, address: r.address as string, target: r.target as string, enabled: b(r.enabled) };
}

function mapPort(r: Row): TcpIpPort {
  return {
    id: r.id as number,
    protocol: r.protocol as Protocol,
    address: r.address as string,
    port: r.port as number,
    security: r.security as PortSecurity,
    certificateId: (r.certificate_id as number | null) ?? null,
    enabled: b(r.enabled),
  };
}

function mapRange(r: Row): IpRange {
  return {
    id: r.id as number,
    name: r.name as string,
    priority: r.priority as number,
    lower: r.lower_ip as string,
    upper: r.upper_ip as string,
    expiresAt: (r.expires_at as string | null) ?? null,
    allowSmtp: b(r.allow_smtp),
    allowPop3: b(r.allow_pop3),
    allowImap: b(r.allow_imap),
    allowLocalToLocal: b(r.allow_l2l),
    allowLocalToExternal: b(r.allow_l2e),
    allowExternalToLocal: b(r.allow_e2l),
    allowExternalToExternal: b(r.allow_e2e),
    authLocalToLocal: b(r.auth_l2l),
    authLocalToExternal: b(r.auth_l2e),
    authExternalToLocal: b(r.auth_e2l),
    authExternalToExternal: b(r.auth_e2e),
    antiSpam: b(r.antispam),
    antiVirus: b(r.antivirus),
    requireTlsForAuth: b(r.require_tls_for_auth),
  };
}

const RANGE_COLUMNS: ReadonlyArray<readonly [keyof IpRange, string]> = [
  ['name', 'name'],
  ['priority', 'priority'],
  ['lower', 'lower_ip'],
  ['upper', 'upper_ip'],
  ['expiresAt', 'expires_at'],
  ['allowSmtp', 'allow_smtp'],
  ['allowPop3', 'allow_pop3'],
  ['allowImap', 'allow_imap'],
  ['allowLocalToLocal', 'allow_l2l'],
  ['allowLocalToExternal', 'allow_l2e'],
  ['allowExternalToLocal', 'allow_e2l'],
  ['allowExternalToExternal', 'allow_e2e'],
  ['authLocalToLocal', 'auth_l2l'],
  ['authLocalToExternal', 'auth_l2e'],
  ['authExternalToLocal', 'auth_e2l'],
  ['authExternalToExternal', 'auth_e2e'],
  ['antiSpam', 'antispam'],
  ['antiVirus', 'antivirus'],
  ['requireTlsForAuth', 'require_tls_for_auth'],
];

const DOMAIN_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['name', 'name'],
  ['enabled', 'enabled'],
  ['catchAll', 'catch_all'],
  ['plusAddressing', 'plus_addressing'],
  ['plusAddressingChar', 'plus_addressing_char'],
  ['maxMessageSizeKb', 'max_message_size_kb'],
  ['maxSizeMb', 'max_size_mb'],
  ['maxAccountSizeMb', 'max_account_size_mb'],
  ['maxAccounts', 'max_accounts'],
  ['maxAliases', 'max_aliases'],
  ['maxLists', 'max_lists'],
];

const ACCOUNT_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['enabled', 'enabled'],
  ['quotaMb', 'quota_mb'],
  ['adminLevel', 'admin_level'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['forwardEnabled', 'forward_enabled'],
  ['forwardTo', 'forward_to'],
  ['forwardKeepCopy', 'forward_keep_copy'],
  ['autoReplyEnabled', 'autoreply_enabled'],
  ['autoReplySubject', 'autoreply_subject'],
  ['autoReplyText', 'autoreply_text'],
  ['autoReplyExpires', 'autoreply_expires'],
];

/** Builds `SET a = ?, b = ?` from the keys of `input` that have a column. Booleans become 0/1. */
function setClause(input: Record<string, unknown>, columns: ReadonlyArray<readonly [string, string]>): [string, unknown[]] {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [key, col] of columns) {
    const v = input[key];
    if (v === undefined) continue;
    parts.push(`${col} = ?`);
    values.push(typeof v === 'boolean' ? n(v) : v);
  }
  return [parts.join(', '), values];
}

/** An announcements list names the one address allowed to send to it. */
function assertAnnouncer(mode: ListMode, announcer: string): void {
  if (mode === 'announcements' && !announcer) throw new StoreError('PARAMS', 'an announcements list needs the address allowed to send', 'announcer');
}

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && /UNIQUE constraint failed/.test(e.message);
}

/** Bytes an account may still take, and the limit that says so (null: no limit). */
export interface AccountRoom {
  readonly bytes: number;
  readonly by: 'account' | 'domain' | null;
}

/**
 * What an account's room depends on: its quota and size, and its domain's "Max size" with the
 * sizes of all the domain's accounts (summed only when the domain has that limit). Shared with
 * MailboxStore, whose room() IMAP APPEND and COPY check.
 */
export const ACCOUNT_ROOM_SQL = `SELECT a.quota_mb AS quotaMb, a.size_bytes AS sizeBytes, d.max_size_mb AS domainMb,
  CASE WHEN d.max_size_mb > 0 THEN (SELECT coalesce(sum(size_bytes), 0) FROM accounts WHERE domain_id = d.id) ELSE 0 END AS domainBytes
  FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE a.id = ?`;

export function accountRoomOf(r: { quotaMb: number; sizeBytes: number; domainMb: number; domainBytes: number } | undefined): AccountRoom {
  const MB = 1024 * 1024;
  const account = r && r.quotaMb > 0 ? r.quotaMb * MB - r.sizeBytes : Infinity;
  const domain = r && r.domainMb > 0 ? r.domainMb * MB - r.domainBytes : Infinity;
  if (account === Infinity && domain === Infinity) return { bytes: Infinity, by: null };
  return domain < account ? { bytes: domain, by: 'domain' } : { bytes: account, by: 'account' };
}

export class ConfigRepo {
  private readonly statements = new Map<string, Database.Statement>();

  /** Secret settings whose stored value could not be decrypted at the last read (key file replaced). */
  readonly unreadableSecrets = new Set<SettingKey>();

  /** Without a secret box (unit tests of other areas), secrets are stored as given. */
  constructor(
    private readonly db: Db,
    private readonly secrets?: SecretBox,
  ) {}

  /** A secret for storage: sealed with the data folder's key ('' stays ''). */
  sealSecret(plain: string): string {
    return plain && this.secrets ? this.secrets.seal(plain) : plain;
  }

  /** A stored secret in clear; throws SecretError when it cannot be decrypted. */
  openSecret(stored: string): string {
    return stored && this.secrets ? this.secrets.open(stored) : stored;
  }

  /**
   * A prepared statement, compiled once per SQL text. The SMTP hot path resolves domains and
   * accounts several times per message; preparing each time cost an eighth of the main thread.
   */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- settings -------------------------------------------------------------------------------
  getSettings(): Settings {
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of this.sql('SELECT key, value FROM settings').all() as { key: string; value: string }[]) {
      if (!isSettingKey(r.key)) continue;
      try {
        out[r.key] = JSON.parse(r.value);
      } catch {
        /* a corrupt row falls back to the default */
      }
    }
    this.unreadableSecrets.clear();
    for (const k of SECRET_SETTINGS) {
      try {
        out[k] = this.openSecret(out[k] as string);
      } catch (e) {
        if (!(e instanceof SecretError)) throw e;
        out[k] = '';
        this.unreadableSecrets.add(k);
      }
    }
    return out as Settings;
  }

  /** Stores the given settings (already validated); a value equal to the default removes the row. */
  setSettings(values: Partial<Settings>): void {
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(values) as [SettingKey, unknown][]) {
        const parsed = SETTINGS_SCHEMA.shape[key].parse(value);
        const isDefault = JSON.stringify(parsed) === JSON.stringify(DEFAULT_SETTINGS[key]);
        this.putStoredSetting(key, isDefault ? null : JSON.stringify(SECRET_SETTINGS.has(key) ? this.sealSecret(parsed as string) : parsed));
      }
    })();
  }

  /** A settings row's text as stored, neither parsed nor unsealed (null: no row, so the default). */
  storedSetting(key: string): string | null {
    return (this.sql('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }

  /** Writes a settings row's text as is (null deletes the row): byte-exact restores and rows that are not settings. */
  putStoredSetting(key: string, text: string | null): void {
    if (text === null) this.sql('DELETE FROM settings WHERE key = ?').run(key);
    else this.sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, text);
  }

  /** The administration password's scrypt hash (hMailServer "Administration password"), or null. */
  getAdminPasswordHash(): string | null {
    return this.storedSetting('admin.passwordHash');
  }

  setAdminPasswordHash(hash: string): void {
    this.putStoredSetting('admin.passwordHash', hash);
  }

  /** Keys whose value differs from the default (what `config export` shows). */
  changedSettingKeys(): SettingKey[] {
    return (this.sql('SELECT key FROM settings ORDER BY key').all() as { key: string }[]).map((r) => r.key).filter(isSettingKey);
  }

  // ---- domains --------------------------------------------------------------------------------
  listDomains(): Domain[] {
    const rows = this.sql('SELECT * FROM domains ORDER BY name').all() as Row[];
    const aliases = this.sql('SELECT domain_id, name FROM domain_aliases ORDER BY name').all() as { domain_id: number; name: string }[];
    const counts = this.sql('SELECT domain_id, count(*) c FROM accounts GROUP BY domain_id').all() as { domain_id: number; c: number }[];
    return rows.map((r) =>
      mapDomain(
        r,
        aliases.filter((a) => a.domain_id === r.id).map((a) => a.name),
        counts.find((c) => c.domain_id === r.id)?.c ?? 0,
      ),
    );
  }

  getDomain(id: number): Domain {
    const r = this.sql('SELECT * FROM domains WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `domain ${id} not found`, 'id');
    const aliases = (this.sql('SELECT name FROM domain_aliases WHERE domain_id = ? ORDER BY name').all(id) as { name: string }[]).map((a) => a.name);
    const c = (this.sql('SELECT count(*) c FROM accounts WHERE domain_id = ?').get(id) as { c: number }).c;
    return mapDomain(r, aliases, c);
  }

  findDomainByName(name: string): Domain | undefined {
    const r = this.sql('SELECT id FROM domains WHERE name = ?').get(name) as { id: number } | undefined;
    return r ? this.getDomain(r.id) : undefined;
  }

  addDomain(input: Record<string, unknown> & { name: string; aliases?: string[] }): Domain {
    return this.db.transaction(() => {
      this.assertNameFree(input.name, 'name');
      const [cols, values] = setClause(input, DOMAIN_COLUMNS);
      const names = cols.split(', ').map((c) => c.replace(' = ?', ''));
      const info = this.sql(`INSERT INTO domains (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...values);
      const id = Number(info.lastInsertRowid);
      this.replaceDomainAliases(id, input.aliases ?? []);
      return this.getDomain(id);
    })();
  }

  /**
   * Limits may be lowered below what the domain has (accounts, aliases, lists, quotas, size): what
   * exists is kept, and only what is added or changed afterwards is checked against them.
   */
  updateDomain(id: number, input: Record<string, unknown> & { aliases?: string[] }): Domain {
    return this.db.transaction(() => {
      const before = this.getDomain(id);
      if (typeof input.name === 'string' && input.name.toLowerCase() !== before.name) {
        throw new StoreError('PARAMS', 'a domain cannot be renamed: add the new name as a domain alias, or create a new domain', 'name');
      }
      const [set, values] = setClause({ ...input, name: undefined }, DOMAIN_COLUMNS);
      if (set) this.sql(`UPDATE domains SET ${set} WHERE id = ?`).run(...values, id);
      if (input.aliases) this.replaceDomainAliases(id, input.aliases);
      return this.getDomain(id);
    })();
  }

  removeDomain(id: number): void {
    this.getDomain(id);
    this.sql('DELETE FROM domains WHERE id = ?').run(id);
  }

  private replaceDomainAliases(domainId: number, aliases: string[]): void {
    this.sql('DELETE FROM domain_aliases WHERE domain_id = ?').run(domainId);
    const ins = this.sql('INSERT INTO domain_aliases (domain_id, name) VALUES (?, ?)');
    aliases.forEach((a, i) => {
      this.assertNameFree(a, `aliases.${i}`);
      ins.run(domainId, a);
    });
  }

  /** A domain name is used once: as a domain or as one domain alias. */
  private assertNameFree(name: string, field: string): void {
    const d = this.sql('SELECT 1 FROM domains WHERE name = ? UNION ALL SELECT 1 FROM domain_aliases WHERE name = ?').get(name, name);
    if (d) throw new StoreError('EXISTS', `the domain ${name} already exists`, field);
  }

  /** Canonical domain for a name (a domain or one of its aliases), or undefined if not hosted here. */
  resolveDomain(name: string): { id: number; name: string; enabled: boolean; row: Row } | undefined {
    const r =
      (this.sql('SELECT * FROM domains WHERE name = ?').get(name) as Row | undefined) ??
      (this.sql('SELECT d.* FROM domain_aliases a JOIN domains d ON d.id = a.domain_id WHERE a.name = ?').get(name) as Row | undefined);
    return r ? { id: r.id as number, name: r.name as string, enabled: b(r.enabled), row: r } : undefined;
  }

  // ---- accounts -------------------------------------------------------------------------------
  listAccounts(domain?: string): Account[] {
    const rows = domain
      ? (this.sql('SELECT a.* FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? ORDER BY a.address').all(domain) as Row[])
      : (this.sql('SELECT * FROM accounts ORDER BY address').all() as Row[]);
    return rows.map(mapAccount);
  }

  getAccount(id: number): Account {
    const r = this.sql('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `account ${id} not found`, 'id');
    return mapAccount(r);
  }

  findAccount(address: string): Account | undefined {
    const r = this.sql('SELECT * FROM accounts WHERE address = ?').get(address) as Row | undefined;
    return r ? mapAccount(r) : undefined;
  }

  accountSecret(address: string): AccountSecret | undefined {
    const r = this.db
      .prepare('SELECT a.id, a.address, a.password_hash, a.enabled, d.enabled AS d_enabled FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE a.address = ?')
      .get(address) as Row | undefined;
    return r
      ? { id: r.id as number, address: r.address as string, passwordHash: r.password_hash as string, enabled: b(r.enabled), domainEnabled: b(r.d_enabled) }
      : undefined;
  }

  /**
   * Who gets postmaster@domain when no account or alias has that name: enabled server
   * administrators, else the domain's administrators, else the domain's first account.
   */
  postmasterAccounts(domainId: number): { id: number; address: string }[] {
    const q = (sql: string, ...args: unknown[]) => this.sql(sql).all(...args) as { id: number; address: string }[];
    const server = q("SELECT id, address FROM accounts WHERE admin_level = 'server' AND enabled = 1 ORDER BY id");
    if (server.length) return server;
    const domain = q("SELECT id, address FROM accounts WHERE admin_level = 'domain' AND enabled = 1 AND domain_id = ? ORDER BY id", domainId);
    if (domain.length) return domain;
    return q('SELECT id, address FROM accounts WHERE enabled = 1 AND domain_id = ? ORDER BY id LIMIT 1', domainId);
  }

  addAccount(input: Record<string, unknown> & { address: string }, passwordHash: string): Account {
    return this.db.transaction(() => {
      const domain = this.requireHostedDomain(input.address);
      this.assertAddressFree(input.address);
      const max = domain.row.max_accounts as number;
      if (max > 0) {
        const c = (this.sql('SELECT count(*) c FROM accounts WHERE domain_id = ?').get(domain.id) as { c: number }).c;
        if (c >= max) throw new StoreError('LIMIT', `the domain ${domain.name} allows at most ${max} accounts`, 'address');
      }
      const quotaMb = this.quotaWithin(domain, (input.quotaMb as number | undefined) ?? 0);
      const [cols, values] = setClause({ ...input, quotaMb }, ACCOUNT_COLUMNS);
      const names = cols ? cols.split(', ').map((c) => c.replace(' = ?', '')) : [];
      const info = this.db
        .prepare(`INSERT INTO accounts (domain_id, address, password_hash${names.map((c) => ', ' + c).join('')}) VALUES (?, ?, ?${names.map(() => ', ?').join('')})`)
        .run(domain.id, input.address, passwordHash, ...values);
      return this.getAccount(Number(info.lastInsertRowid));
    })();
  }

  updateAccount(id: number, input: Record<string, unknown>): Account {
    return this.db.transaction(() => {
      const before = this.getAccount(id);
      // Only a quota that changes is checked: one given before the domain's limit was lowered stays.
      const quota = input.quotaMb;
      if (typeof quota === 'number' && quota !== before.quotaMb) {
        const r = this.sql('SELECT * FROM domains WHERE id = ?').get(before.domainId) as Row;
        input = { ...input, quotaMb: this.quotaWithin({ name: r.name as string, row: r }, quota) };
      }
      const [set, values] = setClause(input, ACCOUNT_COLUMNS);
      if (set) this.sql(`UPDATE accounts SET ${set} WHERE id = ?`).run(...values, id);
      return this.getAccount(id);
    })();
  }

  /**
   * The quota an account of the domain gets when `quotaMb` is asked for, under the domain's "Max
   * size of account". Above it: refused. 0 (unlimited) in a domain with that limit: hMailServer
   * refuses it ("all accounts in the domain must have an account size set"); here the account gets
   * the limit itself, so the add form's default (0) works and still no account of the domain is
   * unlimited. Lowering the limit later is allowed and leaves the quotas already given as they are
   * (nothing changes behind the admin's back); they are checked when they are next changed.
   */
  private quotaWithin(domain: { name: string; row: Row }, quotaMb: number): number {
    const max = domain.row.max_account_size_mb as number;
    if (max <= 0) return quotaMb;
    if (quotaMb === 0) return max;
    if (quotaMb > max) throw new StoreError('PARAMS', `the domain ${domain.name} allows accounts of at most ${max} MB (its maximum account size)`, 'quotaMb');
    return quotaMb;
  }

  /**
   * Bytes the account may still take: its quota's room, or its domain's "Max size" room (the sizes
   * of all the domain's accounts together) when that is smaller. Delivery and IMAP APPEND/COPY
   * refuse what does not fit, as for a full mailbox.
   */
  accountRoom(id: number): AccountRoom {
    return accountRoomOf(this.sql(ACCOUNT_ROOM_SQL).get(id) as Parameters<typeof accountRoomOf>[0]);
  }

  setPasswordHash(id: number, hash: string): void {
    this.getAccount(id);
    this.sql('UPDATE accounts SET password_hash = ? WHERE id = ?').run(hash, id);
  }

  touchLogon(id: number, at: string): void {
    this.sql('UPDATE accounts SET last_logon_at = ? WHERE id = ?').run(at, id);
  }

  removeAccount(id: number): void {
    this.getAccount(id);
    this.sql('DELETE FROM accounts WHERE id = ?').run(id);
  }

  private requireHostedDomain(address: string): { id: number; name: string; row: Row } {
    const name = domainOf(address);
    const r = this.sql('SELECT * FROM domains WHERE name = ?').get(name) as Row | undefined;
    if (!r) {
      const alias = this.sql('SELECT d.name FROM domain_aliases a JOIN domains d ON d.id = a.domain_id WHERE a.name = ?').get(name) as
        | { name: string }
        | undefined;
      throw new StoreError(
        'PARAMS',
        alias ? `${name} is an alias of ${alias.name}: use @${alias.name}` : `the domain ${name} does not exist here: add it first`,
        'address',
      );
    }
    return { id: r.id as number, name: r.name as string, row: r };
  }

  /** An address names one thing: an account, an alias or a distribution list. */
  private assertAddressFree(address: string): void {
    const r = this.db
      .prepare(
        `SELECT 'an account' what FROM accounts WHERE address = ? UNION ALL SELECT 'an alias' FROM aliases WHERE address = ?
         UNION ALL SELECT 'a distribution list' FROM distribution_lists WHERE address = ?`,
      )
      .get(address, address, address) as { what: string } | undefined;
    if (r) throw new StoreError('EXISTS', `${address} already exists (${r.what})`, 'address');
  }

  // ---- aliases --------------------------------------------------------------------------------
  listAliases(domain?: string): Alias[] {
    const rows = domain
      ? (this.sql('SELECT a.* FROM aliases a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? ORDER BY a.address').all(domain) as Row[])
      : (this.sql('SELECT * FROM aliases ORDER BY address').all() as Row[]);
    return rows.map(mapAlias);
  }

  getAlias(id: number): Alias {
    const r = this.sql('SELECT * FROM aliases WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `alias ${id} not found`, 'id');
    return mapAlias(r);
  }

  findAlias(address: string): Alias | undefined {
    const r = this.sql('SELECT * FROM aliases WHERE address = ?').get(address) as Row | undefined;
    return r ? mapAlias(r) : undefined;
  }

  addAlias(input: { address: string; target: string; enabled: boolean }): Alias {
    return this.db.transaction(() => {
      const domain = this.requireHostedDomain(input.address);
      this.assertAddressFree(input.address);
      const max = domain.row.max_aliases as number;
      if (max > 0) {
        const c = (this.sql('SELECT count(*) c FROM aliases WHERE domain_id = ?').get(domain.id) as { c: number }).c;
        if (c >= max) throw new StoreError('LIMIT', `the domain ${domain.name} allows at most ${max} aliases`, 'address');
      }
      const info = this.sql('INSERT INTO aliases (domain_id, address, target, enabled) VALUES (?, ?, ?, ?)').run(domain.id, input.address, input.target, n(input.enabled));
      return this.getAlias(Number(info.lastInsertRowid));
    })();
  }

  updateAlias(id: number, input: { target?: string; enabled?: boolean; address?: string }): Alias {
    const before = this.getAlias(id);
    if (input.address !== undefined && input.address !== before.address) {
      throw new StoreError('PARAMS', 'an alias address cannot be changed: remove it and add a new one', 'address');
    }
    const [set, values] = setClause(input, [
      ['target', 'target'],
      ['enabled', 'enabled'],
    ]);
    if (set) this.sql(`UPDATE aliases SET ${set} WHERE id = ?`).run(...values, id);
    return this.getAlias(id);
  }

  removeAlias(id: number): void {
    this.getAlias(id);
    this.sql('DELETE FROM aliases WHERE id = ?').run(id);
  }

  // ---- routes ---------------------------------------------------------------------------------
  private mapRoute(r: Row): Route {
    let addresses: string[] = [];
    try {
      addresses = (JSON.parse(r.addresses as string) as unknown[]).filter((x): x is string => typeof x === 'string');
    } catch {
      addresses = [];
    }
    return {
      id: r.id as number,
      domain: r.domain as string,
      description: r.description as string,
      host: r.target_host as string,
      port: r.target_port as number,
      security: r.security as PortSecurity,
      verifyCertificate: b(r.verify_certificate),
      requiresAuth: b(r.requires_auth),
      username: r.username as string,
      hasPassword: (r.password_enc as string) !== '',
      allAddresses: b(r.all_addresses),
      addresses,
      retries: r.retries as number,
      retryMinutes: r.retry_minutes as number,
    };
  }

  listRoutes(): Route[] {
    return (this.sql('SELECT * FROM routes ORDER BY domain').all() as Row[]).map((r) => this.mapRoute(r));
  }

  getRoute(id: number): Route {
    const r = this.sql('SELECT * FROM routes WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `route ${id} not found`, 'id');
    return this.mapRoute(r);
  }

  /** Every route with its password in clear, for delivery; `passwordError` when it cannot be decrypted. */
  routeSecrets(): Array<Route & { password: string; passwordError: string | null }> {
    return (this.sql('SELECT * FROM routes').all() as Row[]).map((r) => {
      let password = '';
      let passwordError: string | null = null;
      try {
        password = this.openSecret(r.password_enc as string);
      } catch (e) {
        if (!(e instanceof SecretError)) throw e;
        passwordError = `route ${r.domain as string}: ${e.message}`;
      }
      return { ...this.mapRoute(r), password, passwordError };
    });
  }

  private static ROUTE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
    ['domain', 'domain'],
    ['description', 'description'],
    ['host', 'target_host'],
    ['port', 'target_port'],
    ['security', 'security'],
    ['verifyCertificate', 'verify_certificate'],
    ['requiresAuth', 'requires_auth'],
    ['username', 'username'],
    ['password', 'password_enc'],
    ['allAddresses', 'all_addresses'],
    ['addresses', 'addresses'],
    ['retries', 'retries'],
    ['retryMinutes', 'retry_minutes'],
  ];

  private routeValues(input: Partial<Omit<Route, 'id' | 'hasPassword'>> & { password?: string }): Record<string, unknown> {
    const v: Record<string, unknown> = { ...input };
    if (input.password !== undefined) v.password = this.sealSecret(input.password);
    if (input.addresses !== undefined) v.addresses = JSON.stringify([...new Set(input.addresses.map((a) => a.toLowerCase()))]);
    return v;
  }

  private checkRoute(r: Route & { password?: string }): void {
    const stray = r.allAddresses ? undefined : r.addresses.find((a) => domainOf(a) !== r.domain.toLowerCase());
    if (stray) throw new StoreError('PARAMS', `${stray} is not an address of ${r.domain}`, 'addresses');
    if (!r.allAddresses && r.addresses.length === 0) throw new StoreError('PARAMS', 'list the addresses this route is for, or choose "all addresses"', 'addresses');
    if (r.requiresAuth && r.username === '') throw new StoreError('PARAMS', 'a route that authenticates needs a user name', 'username');
    if (r.requiresAuth && !r.hasPassword) throw new StoreError('PARAMS', 'a route that authenticates needs a password', 'password');
  }

  addRoute(input: Omit<Route, 'id' | 'hasPassword'> & { password?: string }): Route {
    return this.db.transaction(() => {
      if (this.sql('SELECT 1 FROM routes WHERE domain = ?').get(input.domain)) throw new StoreError('EXISTS', `there is already a route for ${input.domain}`, 'domain');
      const [cols, values] = setClause(this.routeValues(input), ConfigRepo.ROUTE_COLUMNS);
      const names = cols.split(', ').map((c) => c.replace(' = ?', ''));
      const id = Number(this.sql(`INSERT INTO routes (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...values).lastInsertRowid);
      const route = this.getRoute(id);
      this.checkRoute(route);
      return route;
    })();
  }

  updateRoute(id: number, input: Partial<Omit<Route, 'id' | 'hasPassword'>> & { password?: string }): Route {
    return this.db.transaction(() => {
      this.getRoute(id);
      if (input.domain !== undefined && this.sql('SELECT 1 FROM routes WHERE domain = ? AND id <> ?').get(input.domain, id)) {
        throw new StoreError('EXISTS', `there is already a route for ${input.domain}`, 'domain');
      }
      const [set, values] = setClause(this.routeValues(input), ConfigRepo.ROUTE_COLUMNS);
      if (set) this.sql(`UPDATE routes SET ${set} WHERE id = ?`).run(...values, id);
      const route = this.getRoute(id);
      this.checkRoute(route);
      return route;
    })();
  }

  removeRoute(id: number): void {
    this.getRoute(id);
    this.sql('DELETE FROM routes WHERE id = ?').run(id);
  }

  /** Seals secrets that an older version stored in clear (the relayer password, route passwords, certificate keys). */
  sealClearSecrets(): number {
    if (!this.secrets) return 0;
    let n = 0;
    this.db.transaction(() => {
      for (const k of SECRET_SETTINGS) {
        const text = this.storedSetting(k);
        if (text === null) continue;
        const v = JSON.parse(text) as unknown;
        if (typeof v === 'string' && v !== '' && !isSealed(v)) {
          this.putStoredSetting(k, JSON.stringify(this.sealSecret(v)));
          n++;
        }
      }
      for (const r of this.sql("SELECT id, key_pem FROM certificates WHERE key_pem <> ''").all() as { id: number; key_pem: string }[]) {
        if (isSealed(r.key_pem)) continue;
        this.sql('UPDATE certificates SET key_pem = ? WHERE id = ?').run(this.sealSecret(r.key_pem), r.id);
        n++;
      }
      for (const r of this.sql("SELECT id, password_enc FROM routes WHERE password_enc <> ''").all() as { id: number; password_enc: string }[]) {
        if (isSealed(r.password_enc)) continue;
        this.sql('UPDATE routes SET password_enc = ? WHERE id = ?').run(this.sealSecret(r.password_enc), r.id);
        n++;
      }
    })();
    return n;
  }

  // ---- distribution lists ---------------------------------------------------------------------
  private mapList(r: Row): DistributionList {
    const members = (this.sql('SELECT address FROM distribution_list_members WHERE list_id = ? ORDER BY id').all(r.id) as { address: string }[]).map(
      (m) => m.address,
    );
    return {
      id: r.id as number,
      domainId: r.domain_id as number,
      address: r.address as string,
      enabled: b(r.enabled),
      mode: r.mode as ListMode,
      announcer: r.announcer as string,
      requireAuth: b(r.require_auth),
      members,
    };
  }

  listLists(domain?: string): DistributionList[] {
    const rows = domain
      ? (this.sql('SELECT l.* FROM distribution_lists l JOIN domains d ON d.id = l.domain_id WHERE d.name = ? ORDER BY l.address').all(domain) as Row[])
      : (this.sql('SELECT * FROM distribution_lists ORDER BY address').all() as Row[]);
    return rows.map((r) => this.mapList(r));
  }

  getList(id: number): DistributionList {
    const r = this.sql('SELECT * FROM distribution_lists WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `distribution list ${id} not found`, 'id');
    return this.mapList(r);
  }

  findList(address: string): DistributionList | undefined {
    const r = this.sql('SELECT * FROM distribution_lists WHERE address = ?').get(address) as Row | undefined;
    return r ? this.mapList(r) : undefined;
  }

  addList(input: { address: string; enabled: boolean; mode: ListMode; announcer: string; requireAuth: boolean; members: string[] }): DistributionList {
    return this.db.transaction(() => {
      const domain = this.requireHostedDomain(input.address);
      this.assertAddressFree(input.address);
      const max = domain.row.max_lists as number;
      if (max > 0) {
        const c = (this.sql('SELECT count(*) c FROM distribution_lists WHERE domain_id = ?').get(domain.id) as { c: number }).c;
        if (c >= max) throw new StoreError('LIMIT', `the domain ${domain.name} allows at most ${max} distribution lists`, 'address');
      }
      assertAnnouncer(input.mode, input.announcer);
      const info = this.db
        .prepare('INSERT INTO distribution_lists (domain_id, address, enabled, mode, announcer, require_auth) VALUES (?, ?, ?, ?, ?, ?)')
        .run(domain.id, input.address, n(input.enabled), input.mode, input.announcer, n(input.requireAuth));
      const id = Number(info.lastInsertRowid);
      const ins = this.sql('INSERT OR IGNORE INTO distribution_list_members (list_id, address) VALUES (?, ?)');
      for (const m of input.members) ins.run(id, m);
      return this.getList(id);
    })();
  }

  updateList(id: number, input: Record<string, unknown>): DistributionList {
    const before = this.getList(id);
    if (typeof input.address === 'string' && input.address !== before.address) {
      throw new StoreError('PARAMS', 'a list address cannot be changed: remove it and add a new one', 'address');
    }
    assertAnnouncer((input.mode as ListMode | undefined) ?? before.mode, (input.announcer as string | undefined) ?? before.announcer);
    const [set, values] = setClause(input, [
      ['enabled', 'enabled'],
      ['mode', 'mode'],
      ['announcer', 'announcer'],
      ['requireAuth', 'require_auth'],
    ]);
    if (set) this.sql(`UPDATE distribution_lists SET ${set} WHERE id = ?`).run(...values, id);
    return this.getList(id);
  }

  removeList(id: number): void {
    this.getList(id);
    this.sql('DELETE FROM distribution_lists WHERE id = ?').run(id);
  }

  addListMember(listId: number, address: string): DistributionList {
    this.getList(listId);
    try {
      this.sql('INSERT INTO distribution_list_members (list_id, address) VALUES (?, ?)').run(listId, address);
    } catch (e) {
      if (isUniqueViolation(e)) throw new StoreError('EXISTS', `${address} is already a member`, 'address');
      throw e;
    }
    return this.getList(listId);
  }

  removeListMember(listId: number, address: string): DistributionList {
    this.getList(listId);
    const info = this.sql('DELETE FROM distribution_list_members WHERE list_id = ? AND address = ?').run(listId, address);
    if (info.changes === 0) throw new StoreError('NOTFOUND', `${address} is not a member`, 'address');
    return this.getList(listId);
  }

  // ---- TCP/IP ports ---------------------------------------------------------------------------
  listPorts(): TcpIpPort[] {
    return (this.sql('SELECT * FROM tcpip_ports ORDER BY protocol, port, id').all() as Row[]).map(mapPort);
  }

  getPort(id: number): TcpIpPort {
    const r = this.sql('SELECT * FROM tcpip_ports WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `port ${id} not found`, 'id');
    return mapPort(r);
  }

  addPort(p: Omit<TcpIpPort, 'id'>): TcpIpPort {
    this.assertPortFree(p, undefined);
    const info = this.db
      .prepare('INSERT INTO tcpip_ports (protocol, address, port, security, certificate_id, enabled) VALUES (?, ?, ?, ?, ?, ?)')
      .run(p.protocol, p.address, p.port, p.security, p.certificateId, n(p.enabled));
    return this.getPort(Number(info.lastInsertRowid));
  }

  updatePort(id: number, input: Partial<Omit<TcpIpPort, 'id'>>): TcpIpPort {
    const merged = { ...this.getPort(id), ...input };
    this.assertPortFree(merged, id);
    const [set, values] = setClause(input, [
      ['protocol', 'protocol'],
      ['address', 'address'],
      ['port', 'port'],
      ['security', 'security'],
      ['certificateId', 'certificate_id'],
      ['enabled', 'enabled'],
    ]);
    if (set) this.sql(`UPDATE tcpip_ports SET ${set} WHERE id = ?`).run(...values, id);
    return this.getPort(id);
  }

  removePort(id: number): void {
    this.getPort(id);
    this.sql('DELETE FROM tcpip_ports WHERE id = ?').run(id);
  }

  /**
   * Makes the table equal to `ports`. Entries that keep their protocol, address and port keep
   * their id (and so a running listener whose settings did not change keeps its sessions).
   */
  replacePorts(ports: Omit<TcpIpPort, 'id'>[]): TcpIpPort[] {
    this.db.transaction(() => {
      const existing = this.listPorts();
      const kept = new Set<number>();
      const pending: Omit<TcpIpPort, 'id'>[] = [];
      for (const p of ports) {
        const same = existing.find((e) => !kept.has(e.id) && e.protocol === p.protocol && e.address === p.address && e.port === p.port);
        if (same) {
          kept.add(same.id);
          this.db
            .prepare('UPDATE tcpip_ports SET security = ?, certificate_id = ?, enabled = ? WHERE id = ?')
            .run(p.security, p.certificateId, n(p.enabled), same.id);
        } else pending.push(p);
      }
      for (const e of existing) if (!kept.has(e.id)) this.sql('DELETE FROM tcpip_ports WHERE id = ?').run(e.id);
      for (const p of pending) this.addPort(p);
    })();
    return this.listPorts();
  }

  /** Two enabled entries cannot claim the same address and (non-zero) port. */
  private assertPortFree(p: Omit<TcpIpPort, 'id'>, self: number | undefined): void {
    if (p.port === 0 || !p.enabled) return;
    const clash = this.listPorts().find(
      (o) => o.id !== self && o.enabled && o.port === p.port && (o.address === p.address || o.address === '0.0.0.0' || p.address === '0.0.0.0'),
    );
    if (clash) throw new StoreError('EXISTS', `port ${p.port} is already used by the ${clash.protocol.toUpperCase()} entry ${clash.id}`, 'port');
  }

  // ---- IP ranges ------------------------------------------------------------------------------
  listIpRanges(): IpRange[] {
    return (this.sql('SELECT * FROM ip_ranges ORDER BY priority DESC, id').all() as Row[]).map(mapRange);
  }

  getIpRange(id: number): IpRange {
    const r = this.sql('SELECT * FROM ip_ranges WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `IP range ${id} not found`, 'id');
    return mapRange(r);
  }

  addIpRange(input: Omit<IpRange, 'id'>): IpRange {
    const cols = RANGE_COLUMNS.map(([, c]) => c);
    const values = RANGE_COLUMNS.map(([k]) => {
      const v = (input as Partial<IpRange>)[k];
      return typeof v === 'boolean' ? n(v) : v;
    });
    const info = this.sql(`INSERT INTO ip_ranges (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...values);
    return this.getIpRange(Number(info.lastInsertRowid));
  }

  updateIpRange(id: number, input: Partial<Omit<IpRange, 'id'>>): IpRange {
    this.getIpRange(id);
    const [set, values] = setClause(input as Record<string, unknown>, RANGE_COLUMNS as ReadonlyArray<readonly [string, string]>);
    if (set) this.sql(`UPDATE ip_ranges SET ${set} WHERE id = ?`).run(...values, id);
    return this.getIpRange(id);
  }

  removeIpRange(id: number): void {
    this.getIpRange(id);
    this.sql('DELETE FROM ip_ranges WHERE id = ?').run(id);
  }

  replaceIpRanges(ranges: Omit<IpRange, 'id'>[]): IpRange[] {
    this.db.transaction(() => {
      this.sql('DELETE FROM ip_ranges').run();
      for (const r of ranges) this.addIpRange(r);
    })();
    return this.listIpRanges();
  }

  // ---- bans -----------------------------------------------------------------------------------
  listBans(now: string): BannedIp[] {
    return (this.sql('SELECT * FROM banned_ips WHERE expires_at > ? ORDER BY created_at').all(now) as Row[]).map((r) => ({
      id: r.id as number,
      ip: r.ip as string,
      reason: r.reason as string,
      createdAt: r.created_at as string,
      expiresAt: r.expires_at as string,
    }));
  }

  isBanned(ip: string, now: string): boolean {
    return this.sql('SELECT 1 FROM banned_ips WHERE ip = ? AND expires_at > ?').get(ip, now) !== undefined;
  }

  ban(ip: string, reason: string, createdAt: string, expiresAt: string): BannedIp {
    this.db
      .prepare(
        'INSERT INTO banned_ips (ip, reason, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(ip) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at, expires_at = excluded.expires_at',
      )
      .run(ip, reason, createdAt, expiresAt);
    const r = this.sql('SELECT * FROM banned_ips WHERE ip = ?').get(ip) as Row;
    return { id: r.id as number, ip, reason, createdAt, expiresAt };
  }

  unban(id: number): void {
    const info = this.sql('DELETE FROM banned_ips WHERE id = ?').run(id);
    if (info.changes === 0) throw new StoreError('NOTFOUND', `ban ${id} not found`, 'id');
  }

  purgeExpiredBans(now: string): number {
    return this.sql('DELETE FROM banned_ips WHERE expires_at <= ?').run(now).changes;
  }

  // ---- certificates ---------------------------------------------------------------------------
  /**
   * Every certificate with its private key in clear (for TLS), oldest first: the first is the
   * server's default. A key that cannot be opened (the secrets key replaced) is left out and
   * named in `unreadableCertificates`.
   */
  listCertificateRows(): { id: number; name: string; certPem: string; keyPem: string; chainPem: string; createdAt: string }[] {
    this.unreadableCertificates.clear();
    const out: { id: number; name: string; certPem: string; keyPem: string; chainPem: string; createdAt: string }[] = [];
    for (const r of this.sql('SELECT id, name, cert_pem, key_pem, chain_pem, created_at FROM certificates ORDER BY id').all() as Row[]) {
      let keyPem = '';
      try {
        keyPem = this.openSecret(r.key_pem as string);
      } catch (e) {
        if (!(e instanceof SecretError)) throw e;
        this.unreadableCertificates.add(r.id as number);
      }
      out.push({ id: r.id as number, name: r.name as string, certPem: r.cert_pem as string, keyPem, chainPem: r.chain_pem as string, createdAt: r.created_at as string });
    }
    return out;
  }

  /** Certificates whose private key could not be decrypted at the last listCertificateRows(). */
  readonly unreadableCertificates = new Set<number>();

  /** The ports that name each certificate. */
  certificatePorts(): Map<number, number[]> {
    const m = new Map<number, number[]>();
    for (const r of this.sql('SELECT certificate_id, port FROM tcpip_ports WHERE certificate_id IS NOT NULL ORDER BY port').all() as { certificate_id: number; port: number }[]) {
      m.set(r.certificate_id, [...(m.get(r.certificate_id) ?? []), r.port]);
    }
    return m;
  }

  addCertificate(name: string, certPem: string, keyPem: string, chainPem = ''): number {
    try {
      return Number(
        this.sql('INSERT INTO certificates (name, cert_pem, key_pem, chain_pem) VALUES (?, ?, ?, ?)').run(name, certPem, this.sealSecret(keyPem), chainPem).lastInsertRowid,
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw new StoreError('EXISTS', `a certificate named ${name} already exists`, 'name');
      throw e;
    }
  }

  /** Renewal in place: the same id (so the ports that use it keep it), new certificate and key. */
  replaceCertificate(id: number, certPem: string, keyPem: string, chainPem = ''): void {
    const info = this.sql('UPDATE certificates SET cert_pem = ?, key_pem = ?, chain_pem = ? WHERE id = ?').run(certPem, this.sealSecret(keyPem), chainPem, id);
    if (info.changes === 0) throw new StoreError('NOTFOUND', `certificate ${id} not found`, 'id');
  }

  removeCertificate(id: number): void {
    const inUse = this.sql('SELECT port FROM tcpip_ports WHERE certificate_id = ?').all(id) as { port: number }[];
    if (inUse.length) throw new StoreError('INUSE', `the certificate is used by port ${inUse.map((p) => p.port).join(', ')}`, 'id');
    const info = this.sql('DELETE FROM certificates WHERE id = ?').run(id);
    if (info.changes === 0) throw new StoreError('NOTFOUND', `certificate ${id} not found`, 'id');
  }

  /** PRAGMA data_version: changes whenever another connection (the CLI) commits. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
