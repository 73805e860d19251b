// A whole lab setup as one document (`buzon config export` / `buzon config apply FILE`).
//
// Export lists what differs from a fresh install, like `postconf -n`: changed settings, the
// domains, accounts (with their scrypt hash, never a password), aliases and lists, and the ports
// and IP ranges only when they differ from the defaults. `defaults` carries the rest, so the YAML
// form can show it as comments. With `all`, everything is listed.
//
// Apply validates the whole document first (errors name `section.index.field`), hashes the
// passwords, then writes everything in one transaction: a bad document changes nothing. Entries
// are matched by name/address: existing ones are updated, new ones created; ports and IP ranges,
// when given, replace the whole table.
import { z } from 'zod';
import { ApiError } from '../shared/ipc/errors';
import type { ConfigApplyResult, ConfigDocument, MainApiImpl } from '../shared/ipc/contract';
import * as s from '../shared/schemas';
import { DEFAULT_SETTINGS, SECRET_SETTINGS, SETTING_KEYS } from '../shared/model/settings';
import type { ConfigRepo } from '../store/config-repo';
import { hashPassword } from '../security/auth/password-hash';
import { DEFAULT_IP_RANGES, DEFAULT_PORTS } from './defaults';
import { checkRange, guard, validateSettings } from './services';

type Obj = Record<string, unknown>;

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val as Obj).sort(([a], [b]) => a.localeCompare(b))) : val,
  );
}

/** Whether two tables hold the same rows, whatever their order. */
function sameRows(a: readonly unknown[], b: readonly unknown[]): boolean {
  const key = (rows: readonly unknown[]) => rows.map(canonical).sort().join('\n');
  return a.length === b.length && key(a) === key(b);
}

/** Drops the keys whose value equals the given defaults (and ids, which are local to a database). */
function diff(obj: Obj, defaults: Obj, keep: readonly string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'id' || k === 'domainId' || k === 'accountCount' || k === 'sizeBytes' || k === 'lastLogonAt') continue;
    if (keep.includes(k) || canonical(v) !== canonical(defaults[k])) out[k] = v;
  }
  return out;
}

const strip = (o: Obj): Obj => {
  const { id: _id, certificateId: _c, ...rest } = o;
  return rest;
};

export function exportConfig(repo: ConfigRepo, opts: { all: boolean }): ConfigDocument {
  const settings = repo.getSettings() as Obj;
  const changed = new Set(repo.changedSettingKeys());
  const outSettings: Obj = {};
  const defaultSettings: Obj = {};
  for (const k of SETTING_KEYS) {
    if (SECRET_SETTINGS.has(k)) continue;
    if (opts.all || changed.has(k)) outSettings[k] = settings[k];
    else defaultSettings[k] = DEFAULT_SETTINGS[k];
  }
  const domainDefaults = s.domainInput.parse({ name: 'x.test' }) as Obj;
  const accountDefaults = s.accountInput.parse({ address: 'x@x.test', password: 'xxxxxx' }) as Obj;
  const ports = repo.listPorts().map((p) => strip(p as unknown as Obj));
  const ranges = repo.listIpRanges().map((r) => strip(r as unknown as Obj));
  // The tables are listed in their own order (ports by protocol and number, ranges by priority),
  // not the order of the defaults: compare them as sets of rows.
  const portsDefault = sameRows(ports, DEFAULT_PORTS.map((p) => ({ ...p })));
  const rangesDefault = sameRows(ranges, DEFAULT_IP_RANGES.map((r) => strip({ ...r })));

  const doc: ConfigDocument = {};
  if (Object.keys(outSettings).length) doc.settings = outSettings;
  const domains = repo.listDomains().map((d) => (opts.all ? strip(diff(d as unknown as Obj, {}, [])) : diff(d as unknown as Obj, domainDefaults, ['name'])));
  if (domains.length) doc.domains = domains;
  const accounts = repo.listAccounts().map((a) => {
    const secret = repo.accountSecret(a.address);
    return { ...(opts.all ? diff(a as unknown as Obj, {}, []) : diff(a as unknown as Obj, accountDefaults, ['address'])), passwordHash: secret?.passwordHash };
  });
  if (accounts.length) doc.accounts = accounts;
  const aliases = repo.listAliases().map((a) => diff(a as unknown as Obj, opts.all ? {} : { enabled: true }, ['address', 'target']));
  if (aliases.length) doc.aliases = aliases;
  const lists = repo.listLists().map((l) => diff(l as unknown as Obj, opts.all ? {} : { enabled: true, announcer: '', requireAuth: false }, ['address', 'mode', 'members']));
  if (lists.length) doc.lists = lists;
  if (opts.all || !portsDefault) doc.ports = ports;
  if (opts.all || !rangesDefault) doc.ipRanges = ranges;
  if (!opts.all) {
    doc.defaults = {
      settings: defaultSettings,
      ...(portsDefault ? { ports } : {}),
      ...(rangesDefault ? { ipRanges: ranges } : {}),
    };
  }
  return doc;
}

const accountDoc = s.accountInput.extend({ password: s.password.optional(), passwordHash: z.string().optional() });
const docSchema = z
  .object({
    settings: z.record(z.string(), z.unknown()).optional(),
    domains: z.array(s.domainInput).optional(),
    accounts: z.array(accountDoc).optional(),
    aliases: z.array(s.aliasInput).optional(),
    lists: z.array(s.listInput).optional(),
    ports: z.array(s.portInput).optional(),
    ipRanges: z.array(s.ipRangeInput).optional(),
    defaults: z.unknown().optional(),
  })
  .strict();

export async function applyConfig(
  _api: MainApiImpl,
  repo: ConfigRepo,
  raw: Obj,
  isHash: (h: string) => boolean,
): Promise<ConfigApplyResult> {
  const parsed = docSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '';
    throw new ApiError('VALIDATION', `${field || 'document'}: ${issue?.message ?? 'invalid'}`, field || undefined);
  }
  const doc = parsed.data;
  const settings = doc.settings ? guardField('settings', () => validateSettings(doc.settings!)) : undefined;
  if (doc.ports) checkPorts(doc.ports, new Set(repo.listCertificateRows().map((c) => c.id)));
  if (doc.ipRanges) checkRanges(doc.ipRanges);
  // Passwords are hashed before the transaction (scrypt is asynchronous).
  const hashes: (string | undefined)[] = [];
  for (const [i, a] of (doc.accounts ?? []).entries()) {
    if (a.passwordHash !== undefined) {
      if (!isHash(a.passwordHash)) throw new ApiError('VALIDATION', `accounts.${i}.passwordHash: not a Buzón scrypt hash`, `accounts.${i}.passwordHash`);
      hashes.push(a.passwordHash);
    } else if (a.password !== undefined) hashes.push(await hashPassword(a.password));
    else hashes.push(undefined);
  }
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const count = (before: unknown, after: unknown): void => {
    if (before === undefined) created++;
    else if (canonical(before) === canonical(after)) unchanged++;
    else updated++;
  };
  repo.transaction(() => {
    if (settings) repo.setSettings(settings);
    for (const [i, d] of (doc.domains ?? []).entries()) {
      const before = repo.findDomainByName(d.name);
      const after = guardField(`domains.${i}`, () => (before ? repo.updateDomain(before.id, d) : repo.addDomain(d)));
      count(before, after);
    }
    for (const [i, a] of (doc.accounts ?? []).entries()) {
      const { password: _p, passwordHash: _h, address, ...rest } = a;
      const before = repo.findAccount(address);
      const hash = hashes[i];
      const after = guardField(`accounts.${i}`, () => {
        if (before) {
          const acc = repo.updateAccount(before.id, rest);
          if (hash) repo.setPasswordHash(before.id, hash);
          return acc;
        }
        if (!hash) throw new ApiError('VALIDATION', `accounts.${i}.password: a new account needs password or passwordHash`, `accounts.${i}.password`);
        return repo.addAccount({ address, ...rest }, hash);
      });
      count(before, after);
    }
    for (const [i, a] of (doc.aliases ?? []).entries()) {
      const before = repo.findAlias(a.address);
      count(before, guardField(`aliases.${i}`, () => (before ? repo.updateAlias(before.id, a) : repo.addAlias(a))));
    }
    for (const [i, l] of (doc.lists ?? []).entries()) {
      const before = repo.findList(l.address);
      const after = guardField(`lists.${i}`, () => {
        if (!before) return repo.addList(l);
        const { members, ...rest } = l;
        repo.updateList(before.id, rest);
        for (const m of before.members) if (!members.includes(m)) repo.removeListMember(before.id, m);
        for (const m of members) if (!before.members.includes(m)) repo.addListMember(before.id, m);
        return repo.getList(before.id);
      });
      count(before, after);
    }
    if (doc.ports) {
      repo.replacePorts(doc.ports.map((p) => ({ ...p, address: p.address || '0.0.0.0' })));
      updated++;
    }
    if (doc.ipRanges) {
      repo.replaceIpRanges(doc.ipRanges);
      updated++;
    }
  });
  return { created, updated, unchanged };
}

/**
 * The checks `port add` and `ip-range add` make, with the field named `ports.N.x`. Without them a
 * document could store what the CLI refuses (a reversed range) or fail with a bare SQLite error.
 */
function checkPorts(ports: readonly z.infer<typeof s.portInput>[], certificates: ReadonlySet<number>): void {
  ports.forEach((p, i) => {
    if (p.certificateId !== null && !certificates.has(p.certificateId)) {
      throw new ApiError('VALIDATION', `ports.${i}.certificateId: certificate ${p.certificateId} not found`, `ports.${i}.certificateId`);
    }
    if (p.port === 0 || !p.enabled) return;
    const address = p.address || '0.0.0.0';
    const j = ports.findIndex((o, k) => k < i && o.enabled && o.port === p.port && ((o.address || '0.0.0.0') === address || o.address === '0.0.0.0' || address === '0.0.0.0'));
    if (j >= 0) throw new ApiError('VALIDATION', `ports.${i}.port: port ${p.port} is already used by ports.${j}`, `ports.${i}.port`);
  });
}

function checkRanges(ranges: readonly z.infer<typeof s.ipRangeInput>[]): void {
  ranges.forEach((r, i) => guardField(`ipRanges.${i}`, () => checkRange(r)));
}

function guardField<T>(prefix: string, fn: () => T): T {
  try {
    return guard(fn);
  } catch (e) {
    if (e instanceof ApiError) {
      const message = e.field && e.message.startsWith(`${e.field}: `) ? `${prefix}.${e.message}` : `${prefix}: ${e.message}`;
      throw new ApiError(e.code, message, e.field ? `${prefix}.${e.field}` : prefix);
    }
    throw e;
  }
}
