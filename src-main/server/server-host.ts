// The composition root: createServerHost({dataDir}) opens the database and data folder, builds the
// services and, on start(), the listeners of the TCP/IP ports table. The Electron shell, the
// `buzon serve` command and the tests all use this same function.
//
// Live configuration: a change made through this host's API applies at once; a change made by
// another process on the same data folder (the `buzon` CLI while `serve` runs) is seen through
// SQLite's PRAGMA data_version, polled four times a second. Either way the settings and IP range
// caches are dropped and the listeners reconciled: only a listener whose entry (or the settings it
// was built from) changed is closed and bound again; the others keep their sessions.
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync, renameSync, readFileSync, rmSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../store/db';
import { ConfigRepo } from '../store/config-repo';
import { MailStore } from '../store/mail-store';
import { MessageFiles } from '../store/message-files';
import { QueueRepo } from '../store/queue-repo';
import { Directory } from '../directory/directory';
import { AuthService } from '../security/auth/auth-service';
import { Autoban } from '../security/autoban/autoban';
import { daysText, expiry, generateSelfSigned, inspect as inspectCertificate, UNDECRYPTABLE_KEY } from '../security/tls/certificates';
import { InboundDelivery } from '../delivery/inbound';
import { createSmtpListener } from '../smtp/smtp-daemon';
import type { Listener } from './listen';
import { TlsManager, type PortTls } from '../security/tls/tls-manager';
import { createPop3Listener, type Pop3Deps } from '../pop3/pop3-daemon';
import { MaildropStore } from '../store/maildrop';
import { MailboxEvents } from '../store/mailbox-events';
import { MailboxStore } from '../store/mailboxes';
import { createImapListener, type ImapDeps } from '../imap/imap-daemon';
import { Resolver as DnsResolver } from 'node:dns/promises';
import { Readable } from 'node:stream';
import { OutboundEngine, probeSmartHost, type RouteTarget } from '../delivery/outbound';
import { DkimRepo } from '../store/dkim-repo';
import type { Resolver } from '../delivery/remote';
import type { SmtpDeps } from '../smtp/hooks';
import { LogSink, createLogger, type Logger } from '../logging/logger';
import { createServices } from './services';
import { systemClock, type Clock } from './clock';
import type { MainApiImpl, MainEvents, EventName } from '../shared/ipc/contract';
import { zeroCounters, type IpRange, type PortStatus, type ServerStatus, type TcpIpPort } from '../shared/model/entities';
import type { Settings } from '../shared/model/settings';
import { secretBoxFor } from '../security/secrets';
import { ConnectionGuard } from '../security/connection-guard';
import { createSrs } from '../delivery/srs';
import { AutoResponder } from '../delivery/auto-responder';
import { TrafficRecorder } from './traffic';
import { createFolderApi } from './services/account-folders';
import { createDiagnosticsApi } from './services/diagnostics';
import { createPresetsApi } from './services/presets';

export const VERSION = '0.1.0';

export interface ServerHostOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Bind every listener to port 0 (tests); the status reports the port each one got. */
  readonly ephemeralPorts?: boolean;
  /** Poll interval for changes by other processes (ms); 0 disables polling. */
  readonly watchMs?: number;
  /**
   * Outbound delivery (the queue drained to remote servers): on by default. Tests turn it off, or
   * give it a fake DNS resolver, so that nothing leaves 127.0.0.1.
   */
  readonly outbound?: boolean;
  readonly resolver?: Resolver;
  /** The port MX hosts are reached on (tests: their peer's ephemeral port). */
  readonly mxPort?: number;
}

export interface ServerPaths {
  readonly dataDir: string;
  readonly dbFile: string;
  readonly logsDir: string;
  readonly runDir: string;
}

interface RunningListener {
  key: string;
  entry: TcpIpPort;
  listener: Listener | undefined;
  state: PortStatus['state'];
  boundPort: number | null;
  error: string | null;
  hint: string | null;
}

export interface ServerHost {
  readonly api: MainApiImpl;
  readonly paths: ServerPaths;
  readonly db: Db;
  readonly repo: ConfigRepo;
  readonly mail: MailStore;
  readonly queue: QueueRepo;
  /** The outbound engine (undefined when outbound delivery is off). */
  readonly outbound: OutboundEngine | undefined;
  readonly logger: Logger;
  readonly sink: LogSink;
  readonly autoban: Autoban;
  /** The server's default certificate, for the web admin on a LAN address (HTTPS); loaded by start(). */
  defaultTls(): PortTls | undefined;
  on<E extends EventName>(event: E, fn: (payload: MainEvents[E]) => void): () => void;
  start(): Promise<ServerStatus>;
  stop(): Promise<ServerStatus>;
  /** Stops and closes the database. */
  close(): Promise<void>;
  status(): ServerStatus;
  /** Port actually bound by the listener of the given configured port (e.g. 25), if listening. */
  boundPort(protocol: TcpIpPort['protocol'], configuredPort: number): number | undefined;
}

export function serverPaths(dataDir: string): ServerPaths {
  return { dataDir, dbFile: join(dataDir, 'buzon.db'), logsDir: join(dataDir, 'logs'), runDir: join(dataDir, 'run') };
}

function bindHint(code: string | undefined, port: number): string | null {
  if (code === 'EACCES') return port < 1024 ? `ports below 1024 need administrator rights: run as root/administrator, or use ${port + 2000}` : 'permission denied';
  if (code === 'EADDRINUSE') return `another program already listens on port ${port} (another mail server?): stop it or choose another port`;
  if (code === 'EADDRNOTAVAIL') return 'this computer has no such IP address: use 0.0.0.0 for all addresses';
  return null;
}

export function createServerHost(opts: ServerHostOptions): ServerHost {
  const paths = serverPaths(opts.dataDir);
  mkdirSync(paths.dataDir, { recursive: true });
  mkdirSync(paths.runDir, { recursive: true });
  const clock = opts.clock ?? systemClock;
  const db = openDatabase(paths.dbFile);
  const secrets = secretBoxFor(join(paths.dataDir, 'keys', 'secrets.key'));
  const repo = new ConfigRepo(db, secrets);
  // A database from before secrets were sealed: seal them now, once.
  repo.sealClearSecrets();
  const files = new MessageFiles(paths.dataDir);
  const dkimRepo = new DkimRepo(db);
  const mailboxEvents = new MailboxEvents((err) => appLog.error({ event: 'mailbox.event.failed', err: String(err) }, 'a mailbox change listener failed'));
  const mail = new MailStore(db, files, mailboxEvents);
  const queue = new QueueRepo(db);
  const events = new EventEmitter();
  events.setMaxListeners(100);

  let settingsCache: Settings | undefined;
  let rangesCache: IpRange[] | undefined;
  const settings = (): Settings => (settingsCache ??= repo.getSettings());
  const ranges = (): IpRange[] => (rangesCache ??= repo.listIpRanges());
  const hostName = (): string => settings()['server.hostName'] || osHostname().toLowerCase() || 'localhost';

  const sink = new LogSink(paths.logsDir, {
    fileEnabled: (svc) => {
      const s = settings();
      if (!s['logging.enabled']) return false;
      switch (svc) {
        case 'smtp':
        case 'delivery':
          return s['logging.smtp'];
        case 'pop3':
          return s['logging.pop3'];
        case 'imap':
          return s['logging.imap'];
        default:
          return s['logging.application'];
      }
    },
    keepDays: () => settings()['logging.keepDays'],
  });
  sink.subscribe((e) => events.emit('log.entry', e));
  const logger = createLogger(sink, () => (settings()['logging.debug'] ? 'debug' : 'info'));
  const appLog = logger.child({ svc: 'app' });

  const srs = createSrs(() => secrets.derive('srs'), () => clock.now());
  const directory = new Directory(repo, () => settings()['server.defaultDomain'], srs);
  const autoban = new Autoban(repo, settings, clock, {
    banned: (ip, until, username) => {
      appLog.warn({ event: 'autoban.banned', ip, until: until.toISOString(), user: username }, `auto-ban: ${ip} banned until ${until.toISOString()}`);
      events.emit('config.changed', { area: 'autoban' });
    },
  });
  const auth = new AuthService(repo, autoban, clock, () => settings()['server.defaultDomain']);
  const guard = new ConnectionGuard(settings, autoban);
  const inboundStore = new InboundDelivery(db, mail, queue);
  // Messages being received: close() waits for them, so the database is never closed under one.
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };
  const inbound = {
    accept: (...args: Parameters<InboundDelivery['accept']>) => {
      const [, msg] = args;
      const p = track(inboundStore.accept(...args));
      void p.then((r) => {
        if (!r.ok) return;
        // Queued for remote recipients: the outbound engine starts on it at once.
        if (r.queueIds.length) outbound?.kick();
        // Auto-replies, after the message is safely stored (never a condition of its delivery).
        if (msg.mailFrom && msg.local.length) void track(autoResponder.respond(msg.mailFrom, msg.local, r.header)).catch((e: unknown) => appLog.error({ event: 'autoreply.failed', err: String(e) }, `auto-reply failed: ${String(e)}`));
      }, () => undefined);
      return p;
    },
  } as InboundDelivery;
  let outbound: OutboundEngine | undefined;
  const counters = zeroCounters();
  const traffic = new TrafficRecorder(counters, clock);
  const smtpDeps: SmtpDeps = { settings, hostName, ranges, directory, auth, autoban, guard, repo, inbound, srs, logger, clock, counters };
  const maildrop = new MaildropStore(db, files, mailboxEvents);
  const pop3Deps: Pop3Deps = { settings, hostName, ranges, auth, autoban, guard, maildrop, locks: new Set(), logger, clock, counters };
  const mailboxes = new MailboxStore(db, files, mail, mailboxEvents);
  const imapDeps: ImapDeps = { settings, hostName, ranges, auth, autoban, guard, mailboxes, mailStore: mail, events: mailboxEvents, logger, clock, counters };

  // Bounces and auto-replies are submitted like any message, from the null sender: to a local
  // address's INBOX (and on to where it forwards), or queued for a remote one.
  async function submit(to: string, message: Buffer, reason: 'bounce' | 'autoreply'): Promise<void> {
    const now = clock.now();
    const local = directory.isLocalDomain(to.slice(to.lastIndexOf('@') + 1)) ? directory.resolve(to, { address: '', authUser: null }) : undefined;
    const accounts = local?.kind === 'local' ? local.accounts : [];
    const external = local ? (local.kind === 'local' ? local.external : []) : [to];
    // A local sender that no longer exists: the message has nowhere to go (and must not loop out).
    if (!accounts.length && !external.length) return;
    const r = await inbound.accept(Readable.from([message]), {
      mailFrom: '',
      local: accounts.map((a) => ({ accountId: a.id, address: a.address, room: Infinity, maxMessageBytes: Infinity })),
      queued: [{ mailFrom: '', recipients: external, reason }],
      authUser: null,
      traceHeaders: '',
      addDeliveredTo: settings()['smtp.addDeliveredTo'],
      now,
    });
    if (!r.ok) throw new Error(`${reason === 'bounce' ? 'bounce' : 'auto-reply'} to ${to} not stored: ${r.error}`);
  }
  const autoResponder = new AutoResponder({ db, repo, clock, logger, hostName, days: () => settings()['smtp.autoReplyDays'], submit });

  function routeTargets(): RouteTarget[] {
    return repo.routeSecrets().map((r) => ({
      domain: r.domain,
      host: r.host,
      port: r.port,
      security: r.security,
      addresses: r.allAddresses ? null : r.addresses.map((a) => a.toLowerCase()),
      retries: r.retries,
      retryMinutes: r.retryMinutes,
      verifyCertificate: r.verifyCertificate,
      ...(r.requiresAuth ? { auth: { user: r.username, pass: r.password }, authError: r.passwordError } : {}),
    }));
  }

  if (opts.outbound !== false) {
    outbound = new OutboundEngine({
      queue,
      files,
      settings,
      hostName,
      clock,
      resolver: opts.resolver ?? new DnsResolver({ timeout: 10_000, tries: 2 }),
      routes: routeTargets,
      relayerAuthError: () =>
        repo.unreadableSecrets.has('smtp.relayer.password')
          ? 'the smart host password cannot be decrypted with this server\'s key (keys/secrets.key was replaced or lost): enter it again'
          : null,
      dkimKey: (domain) => dkimRepo.signingKey(domain),
      logger,
      submitBounce: (to, message) => submit(to, message, 'bounce'),
      postmaster: () => `postmaster@${settings()['server.defaultDomain'] || hostName()}`,
      ...(opts.mxPort !== undefined ? { mxPort: opts.mxPort } : {}),
      onChange: () => events.emit('queue.changed', { size: queue.count() }),
    });
  }

  const listeners = new Map<number, RunningListener>();
  let running = false;
  let closed = false;
  let startedAt: string | null = null;
  let dataVersion = repo.dataVersion();
  let watchTimer: NodeJS.Timeout | undefined;
  let reconciling: Promise<void> = Promise.resolve();

  const tlsManager = new TlsManager(
    () => repo.listCertificateRows().filter((c) => c.keyPem !== ''),
    () => {
      const s = settings();
      return { minVersion: s['tls.minVersion'], ciphers: s['tls.ciphers'], honorCipherOrder: s['tls.preferServerCiphers'] };
    },
  );
  function tlsFor(entry: TcpIpPort): PortTls | undefined {
    return tlsManager.forPort(entry.certificateId);
  }
  /** Certificates or TLS settings changed: new handshakes use them, no listener is bound again. */
  function applyTls(): void {
    tlsManager.reload();
    certWarnings = undefined;
    for (const l of listeners.values()) {
      try {
        l.listener?.updateTls();
      } catch (e) {
        appLog.error({ event: 'tls.update.failed', port: l.entry.port, err: String(e) }, `port ${l.entry.port}: the new TLS settings could not be applied: ${String(e)}`);
      }
    }
  }

  /** Everything a listener is built from: when it changes, the listener is bound again. */
  function listenerKey(entry: TcpIpPort): string {
    const s = settings();
    const tls = tlsFor(entry);
    return JSON.stringify([
      entry.protocol,
      entry.address,
      entry.port,
      entry.security,
      // Whether there is a certificate at all (STARTTLS offered or not); which one, and the TLS
      // settings, apply live through the TLS manager.
      tls !== undefined,
      hostName(),
      ...(entry.protocol === 'smtp'
        ? [s['smtp.welcomeMessage'], s['smtp.maxMessageSizeKb'], s['smtp.reverseLookup'], s['smtp.maxConnections'], s['smtp.allowPlainAuth']]
        : []),
    ]);
  }

  function protocolEnabled(p: TcpIpPort['protocol']): boolean {
    const s = settings();
    return p === 'smtp' ? s['protocols.smtp'] : p === 'pop3' ? s['protocols.pop3'] : s['protocols.imap'];
  }

  async function reconcileNow(): Promise<void> {
    const entries = repo.listPorts();
    const wanted = new Map(entries.map((e) => [e.id, e]));
    // Close listeners whose entry is gone or changed.
    for (const [id, l] of listeners) {
      const e = wanted.get(id);
      // Only a listening listener whose inputs did not change is kept; disabled and failed entries
      // are looked at again (enabled since, or the port may be free now).
      const keep = running && e && e.enabled && protocolEnabled(e.protocol) && l.state === 'listening' && listenerKey(e) === l.key;
      if (!keep) {
        if (l.listener) {
          await l.listener.close();
          appLog.info({ event: 'listener.stopped', protocol: l.entry.protocol, port: l.entry.port }, `${l.entry.protocol.toUpperCase()} port ${l.entry.port} closed`);
        }
        listeners.delete(id);
      }
    }
    if (!running) return;
    for (const e of entries) {
      if (listeners.has(e.id)) continue;
      const key = listenerKey(e);
      const rl: RunningListener = { key, entry: e, listener: undefined, state: 'stopped', boundPort: null, error: null, hint: null };
      listeners.set(e.id, rl);
      if (!e.enabled || !protocolEnabled(e.protocol)) {
        rl.state = 'disabled';
        continue;
      }
      const tls = tlsFor(e);
      if (e.security !== 'none' && !tls) {
        rl.state = 'failed';
        rl.error = 'no certificate for a TLS port';
        rl.hint = 'add a certificate under Settings › Advanced › SSL certificates';
        continue;
      }
      const bindPort = opts.ephemeralPorts ? 0 : e.port;
      const listener =
        e.protocol === 'smtp'
          ? createSmtpListener(e, bindPort, smtpDeps, tls)
          : e.protocol === 'pop3'
            ? createPop3Listener(e, bindPort, pop3Deps, tls)
            : createImapListener(e, bindPort, imapDeps, tls);
      try {
        rl.boundPort = await listener.listen();
        rl.listener = listener;
        rl.state = 'listening';
        appLog.info(
          { event: 'listener.started', protocol: e.protocol, port: e.port, boundPort: rl.boundPort, address: e.address, security: e.security },
          `${e.protocol.toUpperCase()} listening on ${e.address}:${rl.boundPort} (${e.security})`,
        );
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        rl.state = 'failed';
        rl.error = `${code ?? 'error'}: ${(err as Error).message}`;
        rl.hint = bindHint(code, e.port);
        appLog.error({ event: 'listener.failed', protocol: e.protocol, port: e.port, code, hint: rl.hint }, `${e.protocol.toUpperCase()} port ${e.port} failed: ${rl.error}`);
      }
    }
    writeRunFile();
    events.emit('server.statusChanged', status());
  }

  function reconcile(): Promise<void> {
    // Serialised; a failure is logged and never ends the process (callers may not await this).
    reconciling = reconciling.then(reconcileNow).catch((err: unknown) => {
      appLog.error({ event: 'listener.reconcile.failed', err: String(err) }, 'could not apply the TCP/IP ports');
    });
    return reconciling;
  }

  function portStatus(ports: TcpIpPort[]): PortStatus[] {
    const external = running ? undefined : readRunFile();
    return ports.map((p) => {
      const l = listeners.get(p.id) ?? external?.get(p.id);
      return {
        ...p,
        state: l ? l.state : p.enabled ? 'stopped' : 'disabled',
        boundPort: l?.boundPort ?? null,
        error: l?.error ?? null,
        hint: l?.hint ?? null,
      };
    });
  }

  const runFile = join(paths.runDir, 'server.json');
  function writeRunFile(): void {
    const tmp = runFile + '.tmp';
    const body = JSON.stringify({
      pid: process.pid,
      startedAt,
      listeners: [...listeners.values()].map((l) => ({ id: l.entry.id, state: l.state, boundPort: l.boundPort, error: l.error, hint: l.hint })),
    });
    writeFileSync(tmp, body);
    renameSync(tmp, runFile);
  }

  /** Status of a `serve` process on the same data folder, as it last wrote it (CLI `port list`). */
  function readRunFile(): Map<number, Pick<RunningListener, 'state' | 'boundPort' | 'error' | 'hint'>> | undefined {
    try {
      const j = JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number; listeners: { id: number; state: PortStatus['state']; boundPort: number | null; error: string | null; hint: string | null }[] };
      process.kill(j.pid, 0); // throws when that process is gone
      return new Map(j.listeners.map((l) => [l.id, l]));
    } catch {
      return undefined;
    }
  }

  function status(): ServerStatus {
    return {
      running,
      startedAt,
      version: VERSION,
      dataDir: paths.dataDir,
      hostName: hostName(),
      listeners: portStatus(repo.listPorts()),
      warnings: certificateWarnings(),
      counters: { ...counters },
    };
  }

  // status() is asked often (the Status page every 10 s, the tray, diagnostics): the warnings are
  // worked out again only when the certificates may have changed (changed(), applyTls(), another
  // process's write) or a day has passed.
  let certWarnings: { key: string; list: string[] } | undefined;
  function certificateWarnings(): string[] {
    const key = `${repo.dataVersion()}/${Math.floor(clock.now().getTime() / 86_400_000)}`;
    if (certWarnings?.key !== key) certWarnings = { key, list: computeCertificateWarnings() };
    return certWarnings.list;
  }

  /** Certificates that serve (not CA ones) expiring within 30 days or expired, keys that cannot be opened, contexts that failed. */
  function computeCertificateWarnings(): string[] {
    const out: string[] = [];
    const now = clock.now();
    const problems = tlsManager.problems();
    for (const c of repo.listCertificateRows()) {
      if (repo.unreadableCertificates.has(c.id)) {
        out.push(`certificate "${c.name}": ${UNDECRYPTABLE_KEY}`);
        continue;
      }
      let info: ReturnType<typeof inspectCertificate>;
      try {
        info = inspectCertificate(c.certPem);
      } catch {
        out.push(`certificate "${c.name}" cannot be read`);
        continue;
      }
      const problem = problems.get(c.id);
      if (problem) out.push(`certificate "${c.name}" cannot be used: ${problem}`);
      if (info.isCa) continue;
      const { daysLeft, state } = expiry(info, now);
      if (state === 'expired') out.push(`certificate "${c.name}" expired on ${info.notAfter.slice(0, 10)}: clients will refuse it; renew it (buzon cert generate … --replace ${c.id}, or import --replace ${c.id})`);
      else if (state === 'expiring') out.push(`certificate "${c.name}" expires in ${daysText(daysLeft)} (${info.notAfter.slice(0, 10)}): renew it`);
    }
    return out;
  }

  let expiryTimer: NodeJS.Timeout | undefined;
  /** Logs the certificate warnings now and once a day while the server runs. */
  function watchExpiry(): void {
    const check = (): void => {
      for (const w of certificateWarnings()) appLog.warn({ event: 'certificate.expiry' }, w);
    };
    check();
    expiryTimer = setInterval(check, 86_400_000);
    expiryTimer.unref();
  }

  /** Settings › Logging › Debug: applies to loggers made from now on (new listeners, sessions). */
  function applyLogLevel(): void {
    logger.level = settings()['logging.debug'] ? 'debug' : 'info';
  }

  function changed(area: string): void {
    settingsCache = undefined;
    rangesCache = undefined;
    applyLogLevel();
    dataVersion = repo.dataVersion();
    // PRAGMA data_version does not move for this connection's own writes: drop the cache here.
    certWarnings = undefined;
    events.emit('config.changed', { area });
    // A stopped server has no listener to hand contexts to: start() loads them.
    if (running && (area === 'certificates' || area === 'settings' || area === 'config')) applyTls();
    if (running) void reconcile();
    // "Send now", a new route or smart host: the engine looks at the queue again.
    if (running && (area === 'queue' || area === 'settings' || area === 'routes')) outbound?.kick();
  }

  function watch(): void {
    const ms = opts.watchMs ?? 250;
    if (ms <= 0) return;
    watchTimer = setInterval(() => {
      const v = repo.dataVersion();
      if (v === dataVersion) return;
      dataVersion = v;
      settingsCache = undefined;
      rangesCache = undefined;
      applyLogLevel();
      appLog.info({ event: 'config.reloaded' }, 'configuration changed by another process: applied');
      events.emit('config.changed', { area: 'external' });
      applyTls();
      void reconcile();
      // The CLI may have flushed or changed the queue: look at it now.
      outbound?.kick();
    }, ms);
    watchTimer.unref();
  }

  async function start(): Promise<ServerStatus> {
    if (running) return status();
    const removed = await files.cleanTmp();
    const rec = await mail.reconcile();
    const queued = queue.files();
    for (const f of await files.listEml('queue')) if (!queued.has(f)) await files.remove(f);
    repo.purgeExpiredBans(clock.now().toISOString());
    if (removed || rec.indexed || rec.dropped || rec.orphaned.length) {
      appLog.warn({ event: 'store.reconciled', tmpRemoved: removed, ...rec, orphaned: rec.orphaned.length }, 'start-up reconcile of message files and index');
    }
    // No certificate that can serve (a fresh install, or every key sealed under a lost key file):
    // a self-signed one, so STARTTLS works at once and no TLS port fails for want of one. The
    // manager's answer decides, so a certificate whose TLS context cannot be built (a key that
    // does not match it, a key type OpenSSL refuses) counts as missing too and gets the fallback.
    applyTls();
    if (!tlsManager.forPort(null)) {
      const certs = repo.listCertificateRows();
      const host = hostName();
      const g = generateSelfSigned({ commonName: host, altNames: ['localhost', `smtp.${host}`, `imap.${host}`, `pop.${host}`, '127.0.0.1'], now: clock.now() });
      const base = `Self-signed (${host})`;
      const name = certs.some((c) => c.name === base) ? `${base} ${clock.now().toISOString().slice(0, 10)}` : base;
      repo.addCertificate(name, g.certPem, g.keyPem);
      dataVersion = repo.dataVersion();
      if (certs.length) appLog.warn({ event: 'certificate.generated', host }, `no certificate could be loaded (their keys cannot be decrypted): generated "${name}" so TLS keeps working`);
      else appLog.info({ event: 'certificate.generated', host }, `generated a self-signed certificate for ${host}`);
      applyTls();
    }
    watchExpiry();
    traffic.start();
    running = true;
    startedAt = clock.now().toISOString();
    appLog.info({ event: 'server.started', version: VERSION, dataDir: paths.dataDir }, `Buzón ${VERSION} started`);
    await reconcile();
    outbound?.start();
    watch();
    return status();
  }

  async function stop(): Promise<ServerStatus> {
    if (watchTimer) clearInterval(watchTimer);
    watchTimer = undefined;
    if (expiryTimer) clearInterval(expiryTimer);
    expiryTimer = undefined;
    traffic.stop();
    if (!running) return status();
    running = false;
    await outbound?.stop();
    await reconcile();
    startedAt = null;
    rmSync(runFile, { force: true });
    appLog.info({ event: 'server.stopped' }, 'Buzón stopped');
    const s = status();
    events.emit('server.statusChanged', s);
    return s;
  }

  const api = createServices({
    dkim: dkimRepo,
    traffic: () => traffic.samples(),
    folders: createFolderApi({ repo, mailboxes, changed }),
    diagnostics: createDiagnosticsApi({
      repo,
      settings,
      status,
      hostName,
      ranges,
      dkim: dkimRepo,
      clock,
      resolver: opts.resolver ?? new DnsResolver({ timeout: 3_000, tries: 1 }),
    }),
    presets: createPresetsApi({ db, repo, clock, changed, logger }),
    testSmartHost: (to) => {
      const s = settings();
      const helo = s['smtp.heloName'] || hostName();
      return probeSmartHost(s, helo, s['smtp.relayer.username'].includes('@') ? s['smtp.relayer.username'] : `postmaster@${s['server.defaultDomain'] || helo}`, to, clock.now());
    },
    repo,
    mail,
    queue,
    files,
    sink,
    clock,
    changed,
    status,
    portStatus,
    start,
    stop,
  });

  return {
    api,
    paths,
    db,
    repo,
    mail,
    queue,
    outbound,
    logger,
    sink,
    autoban,
    defaultTls: () => tlsManager.forPort(null),
    on(event, fn) {
      events.on(event, fn as (p: unknown) => void);
      return () => events.off(event, fn as (p: unknown) => void);
    },
    start,
    stop,
    async close() {
      // Idempotent: a second call (test clean-up after a restart, a double quit) does nothing.
      if (closed) return;
      closed = true;
      await stop();
      await reconciling;
      await Promise.allSettled([...inflight]);
      sink.close();
      db.close();
    },
    status,
    boundPort(protocol, configuredPort) {
      for (const l of listeners.values()) if (l.entry.protocol === protocol && l.entry.port === configuredPort && l.state === 'listening') return l.boundPort ?? undefined;
      return undefined;
    },
  };
}
