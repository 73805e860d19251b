// Utilities → MX query and Diagnostics. The MX query shows where mail for a domain goes (RFC 5321
// §5.1, RFC 7505). Diagnostics runs every check at once, each with its own short time limit, so
// that the report comes back within seconds even on a lab network without any DNS server: the
// listeners answer with their greeting over a real connection, the certificates are valid and
// name this host, the domains' MX, SPF and DKIM records are published, and the IP ranges do not
// make an open relay (worked out for an outsider and for each range, then tried live from
// 127.0.0.1, never past RCPT).
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { MainApiImpl } from '../../shared/ipc/contract';
import type { DiagnosticCheck, DiagnosticStatus, IpRange, MxQueryResult, PortStatus, ServerStatus } from '../../shared/model/entities';
import type { ConfigRepo } from '../../store/config-repo';
import type { DkimRepo } from '../../store/dkim-repo';
import type { Resolver } from '../../delivery/remote';
import { dkimDnsRecord } from '../../delivery/dkim';
import { daysText, expiry, inspect, nameMatches, UNDECRYPTABLE_KEY } from '../../security/tls/certificates';
import { matchRange, rangeScope } from '../../security/ip/ip-ranges';
import { decideRelay } from '../../smtp/policy/relay';
import type { ProtocolDeps } from '../listen';

/** The delivery resolver, and TXT lookups when it has them (node's dns Resolver does). */
export type DiagnosticsResolver = Resolver & { resolveTxt?(name: string): Promise<string[][]> };

export interface DiagnosticsDeps extends Pick<ProtocolDeps, 'settings' | 'hostName' | 'ranges' | 'clock'> {
  readonly repo: ConfigRepo;
  readonly status: () => ServerStatus;
  readonly dkim: DkimRepo;
  readonly resolver: DiagnosticsResolver;
}

const DNS_MS = 2_500;
const MX_QUERY_MS = 5_000;
const PORT_MS = 3_000;
const RELAY_MS = 4_000;
/** Outside every local network: TEST-NET-3 and the IPv6 documentation prefix (RFC 5737, RFC 3849). */
const OUTSIDE = ['203.0.113.5', '2001:db8::5'];
const RELAY_RCPT = 'relay-test@example.invalid';
const NO_DNS = 'could not be looked up (no DNS server answered)';

class Timeout extends Error {}

/** What a range lets through to other servers without authentication: mail from anyone, from local senders, nothing. */
function openRelay(range: IpRange): 'any' | 'local' | undefined {
  if (!range.allowSmtp) return undefined;
  if (decideRelay(range, false, false, false).verdict === 'accept') return 'any';
  return decideRelay(range, true, false, false).verdict === 'accept' ? 'local' : undefined;
}

const span = (r: Pick<IpRange, 'lower' | 'upper'>): string => (r.lower === r.upper ? r.lower : `${r.lower}–${r.upper}`);
const relayFix = (r: IpRange): string => `In Settings › Advanced › IP ranges › "${r.name}", require SMTP authentication for delivery to external addresses`;

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  // A lookup left behind settles later: its rejection must not go unhandled.
  p.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Timeout(`no answer within ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

const codeOf = (e: unknown): string | undefined => (e as { code?: unknown } | null)?.code as string | undefined;

type Lookup<T> = { ok: true; value: T } | { ok: false; kind: 'none' | 'nxdomain' | 'unanswered' | 'failed'; text: string };

/** A DNS lookup as a value: found, no such records, no such domain, or no answer at all. */
async function lookup<T>(name: string, fn: () => Promise<T>, ms = DNS_MS): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await withTimeout(fn(), ms) };
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENODATA') return { ok: false, kind: 'none', text: `${name} has no such record` };
    if (code === 'ENOTFOUND') return { ok: false, kind: 'nxdomain', text: `${name} does not exist in DNS (NXDOMAIN)` };
    if (e instanceof Timeout || code === 'ETIMEOUT' || code === 'ECONNREFUSED' || code === 'ECANCELLED' || code === 'EREFUSED') {
      return { ok: false, kind: 'unanswered', text: `no DNS server answered for ${name}` };
    }
    if (code === 'ESERVFAIL') return { ok: false, kind: 'failed', text: `the DNS server could not answer for ${name} (SERVFAIL)` };
    return { ok: false, kind: 'failed', text: `the DNS lookup of ${name} failed (${code ?? (e as Error).message})` };
  }
}

const normalizeHost = (h: string): string => h.trim().toLowerCase().replace(/\.$/, '');

/** A host's IPv4 then IPv6 addresses ([] when it has none or DNS did not answer). */
async function addressesOf(resolver: Resolver, host: string, ms: number): Promise<string[]> {
  if (isIP(host)) return [host];
  const [v4, v6] = await Promise.all([lookup(host, () => resolver.resolve4(host), ms), lookup(host, () => resolver.resolve6(host), ms)]);
  return [...(v4.ok ? v4.value : []), ...(v6.ok ? v6.value : [])];
}

async function mxQuery(resolver: Resolver, input: string): Promise<MxQueryResult> {
  const start = performance.now();
  const domain = normalizeHost(input);
  const done = (r: Omit<MxQueryResult, 'domain' | 'ms'>): MxQueryResult => ({ domain, ...r, ms: Math.round(performance.now() - start) });
  const mx = await lookup(domain, () => resolver.resolveMx(domain), MX_QUERY_MS);
  if (!mx.ok && mx.kind !== 'none') {
    const why = mx.kind === 'unanswered' ? `${domain} could not be looked up: no DNS server answered (is this computer's DNS server reachable?)` : mx.kind === 'nxdomain' ? `${domain} does not exist: there is no such domain in DNS (NXDOMAIN)` : mx.text;
    return done({ records: [], implicit: [], error: why });
  }
  const found = mx.ok ? mx.value.map((r) => ({ exchange: normalizeHost(r.exchange), priority: r.priority })) : [];
  const real = found.filter((r) => r.exchange !== '');
  // RFC 7505: a lone "0 ." says the domain takes no mail at all.
  if (found.length && !real.length) return done({ records: [], implicit: [], error: `${domain} accepts no mail: it publishes a null MX record ("0 .", RFC 7505)` });
  if (!real.length) {
    // RFC 5321 §5.1: no MX, then the domain's own address is its mail server.
    const implicit = await addressesOf(resolver, domain, MX_QUERY_MS);
    return done({ records: [], implicit, error: implicit.length ? null : `${domain} has no MX record and no address (A/AAAA): mail to it cannot be delivered` });
  }
  real.sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
  const records = await Promise.all(real.map(async (r) => ({ ...r, addresses: await addressesOf(resolver, r.exchange, MX_QUERY_MS) })));
  return done({ records, implicit: [], error: null });
}

// ---- connections ---------------------------------------------------------------------------------

/** Lines read from a socket, one at a time. */
function lineReader(sock: Socket | TLSSocket) {
  const lines: string[] = [];
  let rest = '';
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onData = (d: Buffer): void => {
    rest += d.toString('latin1');
    for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
      lines.push(rest.slice(0, i).replace(/\r$/, ''));
      rest = rest.slice(i + 1);
    }
    wake?.();
  };
  const stop = (e: Error): void => {
    failure ??= e;
    wake?.();
  };
  sock.on('data', onData);
  sock.on('error', stop);
  sock.on('close', () => stop(new Error('the server closed the connection')));
  return {
    async line(): Promise<string> {
      while (!lines.length) {
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      return lines.shift()!;
    },
    /** An SMTP reply: its lines up to the one without a hyphen after the code. */
    async reply(): Promise<{ code: number; text: string }> {
      const parts: string[] = [];
      for (;;) {
        const l = await this.line();
        parts.push(l);
        if (!/^\d{3}-/.test(l)) return { code: Number(l.slice(0, 3)) || 0, text: parts.join(' | ') };
      }
    },
    detach: () => sock.off('data', onData),
  };
}

/** Where to reach a listener bound to `address` from this computer. */
const reachAt = (address: string): string => (address === '' || address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address);

/** Connects (over TLS for implicit-TLS ports); `sock` is there at once, so a time limit can destroy it mid-connect. */
function open(host: string, port: number, tls: boolean, servername: string): { sock: Socket | TLSSocket; ready: Promise<void> } {
  let sock!: Socket | TLSSocket;
  const ready = new Promise<void>((resolve, reject) => {
    sock = tls ? tlsConnect({ host, port, rejectUnauthorized: false, ...(isIP(servername) ? {} : { servername }) }, resolve) : netConnect({ host, port }, resolve);
    sock.once('error', reject);
  });
  return { sock, ready };
}

function upgrade(sock: Socket, servername: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket: sock, rejectUnauthorized: false, ...(isIP(servername) ? {} : { servername }) }, () => resolve(t));
    t.once('error', reject);
  });
}

/** Says goodbye in the protocol's words, then lets go of the socket whatever the server does. */
function leave(sock: Socket, bye: string): void {
  if (!sock.destroyed) sock.end(bye);
  setTimeout(() => sock.destroy(), 1_000).unref();
}

const PROTOCOL_NAME: Record<PortStatus['protocol'], string> = { smtp: 'SMTP', pop3: 'POP3', imap: 'IMAP' };
const GREETING: Record<PortStatus['protocol'], { ok: RegExp; expected: string; bye: string }> = {
  smtp: { ok: /^220[ -]/, expected: 'a 220 greeting', bye: 'QUIT\r\n' },
  pop3: { ok: /^\+OK/i, expected: '+OK', bye: 'QUIT\r\n' },
  imap: { ok: /^\* (OK|PREAUTH)\b/i, expected: '* OK', bye: 'a1 LOGOUT\r\n' },
};

function check(group: DiagnosticCheck['group'], subject: string, status: DiagnosticStatus, detail: string): DiagnosticCheck {
  return { group, subject, status, detail };
}

export function createDiagnosticsApi(deps: DiagnosticsDeps): MainApiImpl['diagnostics'] {
  const { resolver } = deps;

  /** The SMTP greeting delay (anti-spam) makes every SMTP exchange wait that much longer. */
  const smtpExtraMs = (): number => deps.settings()['smtp.greetingDelaySeconds'] * 1000;

  async function portCheck(p: PortStatus): Promise<DiagnosticCheck> {
    const subject = `${PROTOCOL_NAME[p.protocol]} ${p.address || '0.0.0.0'}:${p.port}`;
    if (p.state === 'failed') return check('ports', subject, 'error', `not listening: ${p.error ?? 'the port could not be opened'}${p.hint ? ` (${p.hint})` : ''}`);
    if (p.state !== 'listening' || p.boundPort === null) return check('ports', subject, 'error', 'not listening: the server is stopped (start it on the Status page)');
    const host = reachAt(p.address);
    const tls = p.security === 'tls';
    const g = GREETING[p.protocol];
    const delay = p.protocol === 'smtp' ? smtpExtraMs() : 0;
    const where = `${host}:${p.boundPort}${p.boundPort !== p.port ? ` (bound port for ${p.port})` : ''}`;
    let sock: Socket | TLSSocket | undefined;
    try {
      const first = await withTimeout(
        (async () => {
          const c = open(host, p.boundPort!, tls, deps.hostName());
          sock = c.sock;
          const lines = lineReader(c.sock);
          await c.ready;
          return lines.line();
        })(),
        PORT_MS + delay,
        () => sock?.destroy(),
      );
      const over = tls ? ` (over ${(sock as TLSSocket).getProtocol() ?? 'TLS'})` : '';
      if (!g.ok.test(first)) return check('ports', subject, 'error', `${where} answered "${first}" instead of ${g.expected}${over}`);
      return check('ports', subject, 'ok', `${where}${over}: ${first}`);
    } catch (e) {
      const what = e instanceof Timeout ? `no greeting within ${(PORT_MS + delay) / 1000} s` : `${codeOf(e) ?? 'error'}: ${(e as Error).message}`;
      const hint = tls && !(e instanceof Timeout) ? ' (the TLS handshake failed: check the port\'s certificate)' : '';
      return check('ports', subject, 'error', `${where}: ${what}${hint}`);
    } finally {
      if (sock) leave(sock, g.bye);
    }
  }

  function portChecks(status: () => ServerStatus): Promise<DiagnosticCheck[]> {
    const ports = status().listeners.filter((p) => p.enabled && p.state !== 'disabled');
    if (!ports.length) return Promise.resolve([check('ports', 'TCP/IP ports', 'error', 'no port is enabled: no mail client or server can connect (Settings › Advanced › TCP/IP ports)')]);
    return Promise.all(ports.map(portCheck));
  }

  function certificateChecks(): DiagnosticCheck[] {
    const now = deps.clock.now();
    const host = normalizeHost(deps.hostName());
    const rows = deps.repo.listCertificateRows();
    if (!rows.length) return [check('certificates', 'SSL certificates', 'warning', 'no certificate: STARTTLS and TLS ports cannot work; one is generated when the server starts')];
    return rows.map((row) => {
      const subject = row.name;
      if (deps.repo.unreadableCertificates.has(row.id)) return check('certificates', subject, 'error', UNDECRYPTABLE_KEY);
      let x: ReturnType<typeof inspect>;
      try {
        x = inspect(row.certPem, row.chainPem || undefined);
      } catch (e) {
        return check('certificates', subject, 'error', `it cannot be read: ${(e as Error).message}`);
      }
      const until = x.notAfter.slice(0, 10);
      const { daysLeft, state } = expiry(x, now);
      const errors: string[] = [];
      const warnings: string[] = [];
      if (state === 'expired') errors.push(`expired on ${until}: mail clients refuse it; renew it or import a new one`);
      else if (state === 'not-yet-valid') errors.push(`not valid before ${x.notBefore.slice(0, 10)}: check this computer's clock`);
      else if (state === 'expiring') warnings.push(`expires in ${daysText(daysLeft)} (${until}): renew it`);
      if (x.isCa) {
        const detail = [...errors, ...warnings].join('; ') || `valid until ${until}`;
        return check('certificates', subject, errors.length ? 'error' : warnings.length ? 'warning' : 'ok', `a certificate authority (it issues the server certificates, it is not served): ${detail}`);
      }
      if (x.selfSigned) warnings.push('self-signed: mail clients will warn that it is not trusted until it is accepted or installed on each computer');
      const covers = isIP(host) ? x.altNames.includes(host) : x.names.some((n) => nameMatches(n, host));
      if (!covers) warnings.push(`does not cover the server's host name ${host} (it names ${x.names.join(', ') || x.altNames.join(', ') || 'nothing'}): clients connecting by that name will warn`);
      const status: DiagnosticStatus = errors.length ? 'error' : warnings.length ? 'warning' : 'ok';
      return check('certificates', subject, status, status === 'ok' ? `valid until ${until}, covers ${host}` : errors.length ? errors.join('; ') : `${warnings.join('; ')} (valid until ${until})`);
    });
  }

  async function mxCheck(domain: string): Promise<DiagnosticCheck> {
    const subject = `${domain} MX`;
    const mx = await lookup(domain, () => resolver.resolveMx(domain));
    if (mx.ok) {
      const real = mx.value.filter((r) => normalizeHost(r.exchange) !== '').sort((a, b) => a.priority - b.priority);
      if (real.length) return check('dns', subject, 'ok', real.map((r) => `${normalizeHost(r.exchange)} (${r.priority})`).join(', '));
      return check('dns', subject, 'warning', `a null MX ("0 ."): ${domain} says it accepts no mail (RFC 7505), so no other server will deliver to it`);
    }
    if (mx.kind === 'unanswered') return check('dns', subject, 'warning', `${NO_DNS}: on a lab LAN without DNS, clients deliver through this server directly`);
    const none = mx.kind === 'none' ? 'no MX record' : mx.text;
    return check('dns', subject, 'warning', `${none}: other servers cannot find where to deliver mail for ${domain} (fine for a lab LAN, where clients send through this server)`);
  }

  /** TXT records of `name`, each one's strings joined (RFC 7208 §3.3). */
  async function txt(name: string): Promise<Lookup<string[]> | undefined> {
    const fn = resolver.resolveTxt?.bind(resolver);
    if (!fn) return undefined;
    const r = await lookup(name, () => fn(name));
    return r.ok ? { ok: true, value: r.value.map((chunks) => chunks.join('')) } : r;
  }

  const notChecked = (group: DiagnosticCheck['group'], subject: string): DiagnosticCheck =>
    check(group, subject, 'warning', 'not checked: this DNS resolver cannot look up TXT records');

  async function spfCheck(domain: string): Promise<DiagnosticCheck> {
    const subject = `${domain} SPF`;
    const publish = `publish a TXT record such as "v=spf1 mx ~all" at ${domain}, so that receivers know which servers send its mail`;
    const r = await txt(domain);
    if (!r) return notChecked('dns', subject);
    if (!r.ok) return check('dns', subject, 'warning', r.kind === 'unanswered' ? NO_DNS : r.kind === 'none' ? `no SPF record: ${publish}` : `${r.text}: ${publish}`);
    const spf = r.value.filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
    if (!spf.length) return check('dns', subject, 'warning', `no SPF record: ${publish}`);
    if (spf.length > 1) return check('dns', subject, 'warning', `${spf.length} SPF records (${spf.join(' / ')}): receivers treat that as an error (RFC 7208); keep one`);
    return check('dns', subject, 'ok', spf[0]!);
  }

  async function dkimCheck(domainId: number, domain: string): Promise<DiagnosticCheck> {
    const d = deps.dkim.get(domainId);
    if (!d.key) return check('dns', `${domain} DKIM`, 'warning', `no DKIM key: generate one (Domains › ${domain} › DKIM) and publish its record, so that receivers can check mail from ${domain} was not forged`);
    const rec = dkimDnsRecord(d.key);
    const subject = `${domain} DKIM (${rec.name})`;
    const off = d.enabled ? '' : ' (DKIM signing is off for this domain: turn it on to sign outgoing mail)';
    const r = await txt(rec.name);
    if (!r) return notChecked('dns', subject);
    if (!r.ok && r.kind === 'unanswered') return check('dns', subject, 'warning', `${NO_DNS}${off}`);
    if (!r.ok && r.kind === 'failed') return check('dns', subject, 'warning', `${r.text}${off}`);
    const want = publicKeyOf(rec.value);
    const published = r.ok ? r.value.filter((t) => /(^|;)\s*p\s*=/.test(t)) : [];
    if (published.some((t) => publicKeyOf(t) === want)) return check('dns', subject, d.enabled ? 'ok' : 'warning', `published and matching this server's key${off}`);
    const what = published.length ? 'the published record holds a different key' : 'no DKIM record is published';
    return check('dns', subject, 'warning', `${what}: publish ${rec.zoneLine}${off}`);
  }

  function dnsChecks(): Promise<DiagnosticCheck[]> {
    const domains = deps.repo.listDomains().filter((d) => d.enabled);
    if (!domains.length) return Promise.resolve([check('dns', 'Domains', 'warning', 'no domain is enabled: add one under Domains')]);
    const safe = (subject: string, p: Promise<DiagnosticCheck>): Promise<DiagnosticCheck> => p.catch((e: unknown) => check('dns', subject, 'error', `the check could not run: ${(e as Error).message}`));
    return Promise.all(domains.flatMap((d) => [safe(`${d.name} MX`, mxCheck(d.name)), safe(`${d.name} SPF`, spfCheck(d.name)), safe(`${d.name} DKIM`, dkimCheck(d.id, d.name))]));
  }

  /** Whether mail to another server, "from" a local or an outside address, is taken unauthenticated from `ip`. */
  function relayPolicyCheck(ip: string): DiagnosticCheck {
    const subject = `Open relay from ${ip} (outside every local network)`;
    const range = matchRange(deps.ranges(), ip, deps.clock.now());
    if (!range) return check('relay', subject, 'ok', `no IP range covers ${ip}: connections from there are refused`);
    const named = `IP range "${range.name}"`;
    if (!range.allowSmtp) return check('relay', subject, 'ok', `${named} does not allow SMTP: connections from ${ip} are refused`);
    const open = openRelay(range);
    if (open === 'any') return check('relay', subject, 'error', `open relay: a client at ${ip} (${named}) can send mail from any address to any other server without authenticating; spammers find such servers within hours. ${relayFix(range)}.`);
    if (open === 'local') return check('relay', subject, 'error', `open relay for any sender that claims one of this server's domains: a client at ${ip} (${named}) can send such mail to any other server without authenticating, and nothing checks the sender address. ${relayFix(range)} from local addresses.`);
    return check('relay', subject, 'ok', `a client at ${ip} (${named}) cannot send mail to other servers without authenticating`);
  }

  /**
   * Each range that allows SMTP, judged at its lowest and highest address by the range the server
   * actually picks there (a range of higher priority may shadow it): whether unauthenticated mail
   * to other servers is taken, and from whom. Open to the internet is an error; open to private
   * networks only (a classroom) a warning; open to this computer only is what webmail needs.
   */
  function rangeRelayChecks(): DiagnosticCheck[] {
    const ranges = deps.ranges();
    const now = deps.clock.now();
    return ranges.filter((r) => r.allowSmtp && !(r.expiresAt && Date.parse(r.expiresAt) <= now.getTime())).map((r) => {
      const subject = `Relay from IP range "${r.name}" (${span(r)})`;
      const samples = [...new Set([r.lower, r.upper])].map((ip) => {
        const by = matchRange(ranges, ip, now);
        return { ip, by, open: by ? openRelay(by) : undefined };
      });
      const deciders = (list: typeof samples): string =>
        list
          .filter((s) => s.by && s.by.id !== r.id)
          .map((s) => `${s.ip} is decided by IP range "${s.by!.name}" (priority ${s.by!.priority}, above this one's ${r.priority})`)
          .join('; ');
      const open = samples.filter((s) => s.open);
      if (!open.length) {
        const shadowed = deciders(samples);
        return check('relay', subject, 'ok', `its computers cannot send mail to other servers without authenticating${shadowed ? ` (${shadowed})` : ''}`);
      }
      const what = open.some((s) => s.open === 'any') ? 'mail from any address' : "mail that claims a sender of this server's domains (nothing checks the sender address)";
      const by = open.find((s) => s.open === 'any')?.by ?? open[0]!.by!;
      const shadowed = deciders(open);
      const via = shadowed ? ` (${shadowed})` : '';
      const scope = rangeScope(r);
      if (scope === 'loopback') {
        return check('relay', subject, 'ok', `only this computer can send ${what} to other servers without a password${via}, as webmail or scripts running here do`);
      }
      if (scope === 'private') {
        return check('relay', subject, 'warning', `any computer of ${span(r)} can send ${what} to other servers without a password${via}: a misused or infected PC of that network sends spam in this server's name. ${relayFix(by)}.`);
      }
      return check('relay', subject, 'error', `open relay: any computer of ${span(r)}, internet addresses included, can send ${what} to other servers without a password${via}; spammers find such servers within hours. ${relayFix(by)}.`);
    });
  }

  /** The live test: RCPT TO an outside address from 127.0.0.1 without AUTH, then QUIT (never DATA). */
  async function relayLiveCheck(status: () => ServerStatus): Promise<DiagnosticCheck> {
    const range = matchRange(deps.ranges(), '127.0.0.1', deps.clock.now());
    const subject = `Live test from 127.0.0.1${range ? ` (IP range "${range.name}")` : ''}`;
    const smtp = status().listeners
      .filter((p) => p.protocol === 'smtp' && p.state === 'listening' && p.boundPort !== null)
      // Port 25 first, then the ports that start in plain text.
      .sort((a, b) => Number(b.port === 25) - Number(a.port === 25) || Number(a.security === 'tls') - Number(b.security === 'tls'));
    const p = smtp[0];
    if (!p) return check('relay', subject, 'warning', 'not checked: no SMTP port is listening');
    const local = deps.repo.listDomains()[0]?.name;
    let sock: Socket | TLSSocket | undefined;
    try {
      const answers = await withTimeout(
        (async () => {
          const servername = deps.hostName();
          const c = open(reachAt(p.address), p.boundPort!, p.security === 'tls', servername);
          sock = c.sock;
          let r = lineReader(c.sock);
          await c.ready;
          const send = async (cmd: string) => {
            sock!.write(`${cmd}\r\n`);
            return r.reply();
          };
          const greeting = await r.reply();
          if (greeting.code !== 220) return { refused: `the server answered ${greeting.text}` };
          const ehlo = await send('EHLO buzon-diagnostics');
          if (p.security === 'starttls-required' && /STARTTLS/i.test(ehlo.text) && (await send('STARTTLS')).code === 220) {
            r.detach();
            sock = await upgrade(sock as Socket, servername);
            r = lineReader(sock);
            await send('EHLO buzon-diagnostics');
          }
          const attempt = async (from: string) => {
            const mail = await send(`MAIL FROM:<${from}>`);
            if (mail.code !== 250) return { accepted: false, untested: true, text: mail.text };
            const rcpt = await send(`RCPT TO:<${RELAY_RCPT}>`);
            await send('RSET');
            return { accepted: rcpt.code >= 200 && rcpt.code < 300, untested: false, text: rcpt.text };
          };
          const outside = await attempt('diagnostics@example.invalid');
          const fromLocal = local ? await attempt(`postmaster@${local}`) : undefined;
          return { outside, fromLocal };
        })(),
        RELAY_MS + smtpExtraMs(),
        () => sock?.destroy(),
      );
      if ('refused' in answers) return check('relay', subject, 'ok', `SMTP from this computer is refused: ${answers.refused}`);
      const { outside, fromLocal } = answers;
      // RCPT is never reached when MAIL FROM is refused: that says nothing about relaying.
      const said = (a: { accepted: boolean; untested?: boolean; text: string }) =>
        a.untested ? `not tested: MAIL FROM refused (${a.text})` : a.accepted ? `accepted (${a.text})` : `refused (${a.text})`;
      const lines = [
        `RCPT TO:<${RELAY_RCPT}> without authentication, from an outside sender: ${said(outside)}`,
        ...(fromLocal ? [`from postmaster@${local}: ${said(fromLocal)}`] : []),
      ].join('; ');
      const loopback = `127.0.0.1 is this computer (the "My computer" IP range by default), which may be allowed to send to other servers without authenticating, as webmail or scripts running here do; that is safe as long as that range covers only this computer`;
      if (outside.accepted) return check('relay', subject, 'warning', `${lines}. Any program on this computer can send mail from any address to any server. ${loopback}.`);
      if (outside.untested || fromLocal?.untested) return check('relay', subject, 'warning', `${lines}. The relay policy could not be tried: check the SMTP port's settings.`);
      return check('relay', subject, 'ok', `${lines}. ${loopback}.`);
    } catch (e) {
      const what = e instanceof Timeout ? `no answer within ${(RELAY_MS + smtpExtraMs()) / 1000} s` : (e as Error).message;
      return check('relay', subject, 'warning', `the SMTP session on port ${p.port} did not complete: ${what}`);
    } finally {
      if (sock) leave(sock, 'QUIT\r\n');
    }
  }

  /** A check that throws (a bug, a database error) becomes an error line, not a failed report. */
  async function guarded(group: DiagnosticCheck['group'], fn: () => DiagnosticCheck[] | Promise<DiagnosticCheck[]>): Promise<DiagnosticCheck[]> {
    try {
      return await fn();
    } catch (e) {
      return [check(group, group, 'error', `the check could not run: ${(e as Error).message}`)];
    }
  }

  return {
    mx: ({ domain }) => mxQuery(resolver, domain),
    run: async () => {
      const start = performance.now();
      const at = deps.clock.now().toISOString();
      // One status for the whole report, taken by the first check that needs it (inside its guard).
      let taken: ServerStatus | undefined;
      const status = (): ServerStatus => (taken ??= deps.status());
      const groups = await Promise.all([
        guarded('ports', () => portChecks(status)),
        guarded('certificates', certificateChecks),
        guarded('dns', dnsChecks),
        guarded('relay', async () => [...OUTSIDE.map(relayPolicyCheck), ...rangeRelayChecks(), await relayLiveCheck(status)]),
      ]);
      return { at, ms: Math.round(performance.now() - start), checks: groups.flat() };
    },
  };
}

/** The p= tag of a DKIM key record, without the spaces DNS zone files split it with. */
function publicKeyOf(record: string): string {
  for (const tag of record.split(';')) {
    const eq = tag.indexOf('=');
    if (eq > 0 && tag.slice(0, eq).trim() === 'p') return tag.slice(eq + 1).replace(/\s+/g, '');
  }
  return '';
}
