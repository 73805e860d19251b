// Utilities → MX query and Diagnostics against a real server on 127.0.0.1: DNS answers come from a
// fake resolver (tests never reach a DNS server), everything else is real: the greetings are read
// over real connections (TLS included), the certificates are the stored ones, and the relay test
// talks SMTP to the running port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/start-server';
import { until } from './smtp/kit';
import { generateSelfSigned } from '../../src-main/security/tls/certificates';
import { ApiError } from '../../src-main/shared/ipc/errors';
import type { DiagnosticsResolver } from '../../src-main/server/services/diagnostics';
import type { DiagnosticCheck, DiagnosticsReport, DkimInfo, IpRange, MxQueryResult, PortStatus, TcpIpPort } from '../../src-main/shared/model/entities';

const fail = (code: string, name: string) => Promise.reject(Object.assign(new Error(`query ${code} ${name}`), { code }));

/** A small zone: names listed under any type exist (ENODATA for the other types), the rest are NXDOMAIN. */
function zoneResolver(zone: {
  mx: Record<string, { exchange: string; priority: number }[]>;
  a: Record<string, string[]>;
  aaaa: Record<string, string[]>;
  txt?: Record<string, string[][]>;
  timeout?: string[];
}): DiagnosticsResolver {
  const exists = (n: string) => [zone.mx, zone.a, zone.aaaa, zone.txt ?? {}].some((t) => n in t);
  const answer = <T>(table: Record<string, T>, n: string): Promise<T> =>
    zone.timeout?.includes(n) ? fail('ETIMEOUT', n) : n in table ? Promise.resolve(table[n]!) : fail(exists(n) ? 'ENODATA' : 'ENOTFOUND', n);
  return {
    resolveMx: (n) => answer(zone.mx, n),
    resolve4: (n) => answer(zone.a, n),
    resolve6: (n) => answer(zone.aaaa, n),
    ...(zone.txt ? { resolveTxt: (n: string) => answer(zone.txt!, n) } : {}),
  };
}

const txt: Record<string, string[][]> = { 'aula.test': [['v=spf1 mx ~all'], ['google-site-verification=abc']] };
const resolver = zoneResolver({
  mx: {
    'con-mx.test': [
      { exchange: 'mx2.con-mx.test', priority: 20 },
      { exchange: 'mx1.con-mx.test', priority: 10 },
    ],
    'nulo.test': [{ exchange: '', priority: 0 }],
    'aula.test': [{ exchange: 'mail.aula.test', priority: 10 }],
  },
  a: { 'mx1.con-mx.test': ['192.0.2.10'], 'mx2.con-mx.test': ['192.0.2.20'], 'sin-mx.test': ['192.0.2.30'], 'mail.aula.test': ['192.0.2.1'] },
  aaaa: { 'mx1.con-mx.test': ['2001:db8::10'], 'sin-mx.test': ['2001:db8::30'], 'vacio.test': [] },
  txt,
  timeout: ['lento.test'],
});

// The fake clock lets a certificate expire while it is stored (import refuses expired ones).
let now = Date.now();
const clock = { now: () => new Date(now) };

let srv: TestServer;
before(async () => {
  srv = await startServer({ resolver, clock });
});
after(async () => {
  await srv.close();
});

const run = () => srv.call<DiagnosticsReport>('diagnostics', 'run');
const mx = (domain: string) => srv.call<MxQueryResult>('diagnostics', 'mx', { domain });
const of = (r: DiagnosticsReport, group: DiagnosticCheck['group'], subject: RegExp | string): DiagnosticCheck => {
  const c = r.checks.find((x) => x.group === group && (typeof subject === 'string' ? x.subject === subject : subject.test(x.subject)));
  assert.ok(c, `no ${group} check ${String(subject)} in ${JSON.stringify(r.checks, null, 1)}`);
  return c;
};

test('mx: records by priority with their addresses; the implicit A/AAAA fallback; a null MX; NXDOMAIN; no answer', async () => {
  const found = await mx('Con-MX.test.');
  assert.equal(found.domain, 'con-mx.test');
  assert.deepEqual(found.records, [
    { exchange: 'mx1.con-mx.test', priority: 10, addresses: ['192.0.2.10', '2001:db8::10'] },
    { exchange: 'mx2.con-mx.test', priority: 20, addresses: ['192.0.2.20'] },
  ]);
  assert.equal(found.error, null);
  assert.ok(found.ms >= 0 && found.ms < 5000);

  const implicit = await mx('sin-mx.test');
  assert.deepEqual([implicit.records, implicit.implicit, implicit.error], [[], ['192.0.2.30', '2001:db8::30'], null]);

  const none = await mx('vacio.test');
  assert.deepEqual(none.implicit, []);
  assert.match(none.error ?? '', /no MX record and no address/);

  const nullMx = await mx('nulo.test');
  assert.deepEqual(nullMx.records, []);
  assert.match(nullMx.error ?? '', /accepts no mail.*null MX.*RFC 7505/);

  const nx = await mx('no-existe.test');
  assert.match(nx.error ?? '', /^no-existe\.test does not exist.*NXDOMAIN/);

  const slow = await mx('lento.test');
  assert.match(slow.error ?? '', /no DNS server answered/);

  await assert.rejects(mx('not a domain!'), (e: unknown) => e instanceof ApiError && e.code === 'VALIDATION');
});

test('run: every listening port answers with its greeting (TLS too); a port that failed to open is an error', async () => {
  // The implicit-TLS SMTP port (465), off by default, and a POP3 port on an address this computer lacks.
  const ports = await srv.call<PortStatus[]>('ports', 'list');
  const smtps = ports.find((p) => p.protocol === 'smtp' && p.port === 465)!;
  await srv.call('ports', 'update', { id: smtps.id, enabled: true });
  const bad = await srv.call<TcpIpPort>('ports', 'add', { protocol: 'pop3', address: '192.0.2.1', port: 1110 });
  await until(() => srv.host.status().listeners.every((l) => l.state === 'disabled' || l.state === 'listening' || l.id === bad.id), 'the listeners');
  await until(() => srv.host.status().listeners.find((l) => l.id === bad.id)?.state === 'failed', 'the bad port to fail');

  const r = await run();
  const portChecks = r.checks.filter((c) => c.group === 'ports');
  assert.equal(portChecks.length, 6, 'the five default ports enabled, and the bad one');
  assert.match(of(r, 'ports', 'SMTP 0.0.0.0:25').detail, new RegExp(`^127\\.0\\.0\\.1:${srv.smtpPort} .*: 220 `));
  assert.match(of(r, 'ports', 'SMTP 0.0.0.0:587').detail, /: 220 /);
  assert.match(of(r, 'ports', 'POP3 0.0.0.0:110').detail, new RegExp(`:${srv.pop3Port} .*: \\+OK`));
  assert.match(of(r, 'ports', 'IMAP 0.0.0.0:143').detail, new RegExp(`:${srv.imapPort} .*: \\* OK`));
  assert.match(of(r, 'ports', 'SMTP 0.0.0.0:465').detail, /over TLSv1\.[23]\): 220 /);
  for (const c of portChecks.filter((c) => c.subject !== 'POP3 192.0.2.1:1110')) assert.equal(c.status, 'ok', c.detail);
  const failed = of(r, 'ports', 'POP3 192.0.2.1:1110');
  assert.equal(failed.status, 'error');
  assert.match(failed.detail, /not listening: EADDRNOTAVAIL.*no such IP address/);

  await srv.call('ports', 'remove', { id: bad.id });
  await srv.call('ports', 'update', { id: smtps.id, enabled: false });

  // A greeting that refuses: POP3 not allowed from this computer's IP range.
  const mine = (await srv.call<IpRange[]>('ipRanges', 'list')).find((x) => x.name === 'My computer')!;
  await srv.call('ipRanges', 'update', { id: mine.id, allowPop3: false });
  const refused = of(await run(), 'ports', 'POP3 0.0.0.0:110');
  assert.equal(refused.status, 'error');
  assert.match(refused.detail, /answered "-ERR .*" instead of \+OK$/);
  await srv.call('ipRanges', 'resetDefaults');
});

test('run: the generated certificate is self-signed (a warning); an expired one is an error', async () => {
  let r = await run();
  const generated = of(r, 'certificates', /^Self-signed/);
  assert.equal(generated.status, 'warning');
  assert.match(generated.detail, /^self-signed: mail clients will warn .* \(valid until \d{4}-\d\d-\d\d\)$/);

  const g = generateSelfSigned({ commonName: srv.host.status().hostName, days: 10, now: clock.now() });
  await srv.call('certificates', 'import', { name: 'Corto', certPem: g.certPem, keyPem: g.keyPem });
  r = await run();
  assert.match(of(r, 'certificates', 'Corto').detail, /expires in \d+ days/);
  const other = generateSelfSigned({ commonName: 'otro.example', days: 400, now: clock.now() });
  await srv.call('certificates', 'import', { name: 'Otro', certPem: other.certPem, keyPem: other.keyPem });

  now += 11 * 86_400_000;
  r = await run();
  const expired = of(r, 'certificates', 'Corto');
  assert.equal(expired.status, 'error');
  assert.match(expired.detail, /^expired on \d{4}-\d\d-\d\d: mail clients refuse it/);
  assert.match(of(r, 'certificates', 'Otro').detail, /does not cover the server's host name/);
});

test('run: the lab domain\'s MX and SPF are found; DKIM says what to publish, then matches once published', async () => {
  let r = await run();
  assert.deepEqual(of(r, 'dns', 'aula.test MX'), { group: 'dns', subject: 'aula.test MX', status: 'ok', detail: 'mail.aula.test (10)' });
  assert.deepEqual([of(r, 'dns', 'aula.test SPF').status, of(r, 'dns', 'aula.test SPF').detail], ['ok', 'v=spf1 mx ~all']);
  assert.match(of(r, 'dns', 'aula.test DKIM').detail, /^no DKIM key: generate one/);

  const domain = srv.host.repo.findDomainByName('aula.test')!;
  const dkim = await srv.call<DkimInfo>('dkim', 'generate', { domainId: domain.id, selector: 'lab' });
  r = await run();
  const missing = of(r, 'dns', 'aula.test DKIM (lab._domainkey.aula.test)');
  assert.equal(missing.status, 'warning');
  assert.ok(missing.detail.startsWith(`no DKIM record is published: publish ${dkim.record!.zoneLine}`), missing.detail);

  // Published as DNS serves a long record: in 255-byte strings.
  const value = dkim.record!.value;
  txt['lab._domainkey.aula.test'] = [[value.slice(0, 255), value.slice(255)]];
  r = await run();
  assert.deepEqual([of(r, 'dns', /DKIM/).status, of(r, 'dns', /DKIM/).detail], ['ok', 'published and matching this server\'s key']);

  txt['lab._domainkey.aula.test'] = [['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAotro']];
  r = await run();
  assert.match(of(r, 'dns', /DKIM/).detail, /^the published record holds a different key: publish/);
});

test('run: the default ranges are no open relay; an Internet range without SMTP auth is one; the live test never sends DATA', async () => {
  let r = await run();
  const v4 = of(r, 'relay', /203\.0\.113\.5/);
  assert.deepEqual([v4.status, v4.detail], ['ok', 'a client at 203.0.113.5 (IP range "Internet") cannot send mail to other servers without authenticating']);
  assert.deepEqual([of(r, 'relay', /2001:db8::5/).status, of(r, 'relay', /2001:db8::5/).detail], ['ok', 'no IP range covers 2001:db8::5: connections from there are refused']);
  const live = of(r, 'relay', 'Live test from 127.0.0.1 (IP range "My computer")');
  assert.equal(live.status, 'ok');
  assert.match(live.detail, /RCPT TO:<relay-test@example\.invalid> without authentication, from an outside sender: refused \(550 5\.7\.1 /);
  assert.match(live.detail, /from postmaster@aula\.test: accepted \(250/);
  assert.match(live.detail, /127\.0\.0\.1 is this computer \(the "My computer" IP range by default\), which may be allowed to send to other servers without authenticating/);

  const ranges = await srv.call<IpRange[]>('ipRanges', 'list');
  const internet = ranges.find((x) => x.name === 'Internet')!;
  await srv.call('ipRanges', 'update', { id: internet.id, authLocalToExternal: false });
  r = await run();
  assert.equal(of(r, 'relay', /203\.0\.113\.5/).status, 'error');
  assert.match(of(r, 'relay', /203\.0\.113\.5/).detail, /^open relay for any sender that claims one of this server's domains/);
  await srv.call('ipRanges', 'update', { id: internet.id, authExternalToExternal: false });
  r = await run();
  assert.equal(of(r, 'relay', /203\.0\.113\.5/).status, 'error');
  assert.match(of(r, 'relay', /203\.0\.113\.5/).detail, /^open relay: a client at 203\.0\.113\.5 \(IP range "Internet"\) can send mail from any address/);

  // Loopback allowed to relay anything: the live test sees it, and says so.
  const mine = ranges.find((x) => x.name === 'My computer')!;
  await srv.call('ipRanges', 'update', { id: mine.id, authExternalToExternal: false });
  r = await run();
  const open = of(r, 'relay', /^Live test/);
  assert.equal(open.status, 'warning');
  assert.match(open.detail, /from an outside sender: accepted \(250.*Any program on this computer can send mail from any address/);
  assert.equal(srv.host.queue.count(), 0, 'nothing was queued: the test stops at RCPT');
  await srv.call('ipRanges', 'resetDefaults');

  // Port 25 wanting STARTTLS first: the live test starts TLS before MAIL FROM.
  const port25 = (await srv.call<PortStatus[]>('ports', 'list')).find((p) => p.protocol === 'smtp' && p.port === 25)!;
  await srv.call('ports', 'update', { id: port25.id, security: 'starttls-required' });
  await until(() => srv.host.boundPort('smtp', 25) !== port25.boundPort, 'port 25 bound again');
  r = await run();
  assert.deepEqual([of(r, 'relay', /^Live test/).status, of(r, 'relay', /^Live test/).detail.match(/outside sender: (\w+ \(\d{3})/)?.[1]], ['ok', 'refused (550']);
  await srv.call('ports', 'update', { id: port25.id, security: 'starttls-optional' });
});

test('run: with a DNS server that never answers, the report still comes back within seconds, DNS checks as warnings', async () => {
  const silent: DiagnosticsResolver = {
    resolveMx: () => new Promise(() => undefined),
    resolve4: () => new Promise(() => undefined),
    resolve6: () => new Promise(() => undefined),
    resolveTxt: () => new Promise(() => undefined),
  };
  const other = await startServer({ resolver: silent });
  try {
    const t0 = Date.now();
    const r = await other.call<DiagnosticsReport>('diagnostics', 'run');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.ok(r.ms < 5000);
    const dns = r.checks.filter((c) => c.group === 'dns');
    assert.deepEqual(
      dns.map((c) => [c.subject, c.status]),
      [
        ['aula.test MX', 'warning'],
        ['aula.test SPF', 'warning'],
        ['aula.test DKIM', 'warning'],
      ],
    );
    assert.match(dns[0]!.detail, /^could not be looked up \(no DNS server answered\)/);
    assert.equal(dns[1]!.detail, 'could not be looked up (no DNS server answered)');
    assert.ok(r.checks.filter((c) => c.group === 'ports').every((c) => c.status === 'ok'));
  } finally {
    await other.close();
  }
});

test('run: a resolver without TXT lookups reports SPF and DKIM as not checked', async () => {
  const other = await startServer({ resolver: zoneResolver({ mx: {}, a: {}, aaaa: {} }) });
  try {
    const domain = other.host.repo.findDomainByName('aula.test')!;
    await other.call('dkim', 'generate', { domainId: domain.id });
    const r = await other.call<DiagnosticsReport>('diagnostics', 'run');
    assert.match(of(r, 'dns', 'aula.test MX').detail, /^aula\.test does not exist in DNS \(NXDOMAIN\): other servers cannot find/);
    for (const c of [of(r, 'dns', 'aula.test SPF'), of(r, 'dns', /DKIM/)]) assert.deepEqual([c.status, c.detail], ['warning', 'not checked: this DNS resolver cannot look up TXT records']);
  } finally {
    await other.close();
  }
});
