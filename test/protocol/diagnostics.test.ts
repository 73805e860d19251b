// Utilities → MX query and Diagnostics against a real server on 127.0.0.1: DNS answers come from a
// fake resolver (tests never reach a DNS server), everything else is real: the greetings are read
// over real connections (TLS included), the certificates are the stored ones, and the relay test
// talks SMTP to the running port (or, where the real server cannot be made to answer so, to a
// small SMTP peer on 127.0.0.1 that refuses every sender).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { startServer, type TestServer } from '../helpers/start-server';
import { until } from './smtp/kit';
import { generateSelfSigned } from '../../src-main/security/tls/certificates';
import { ApiError } from '../../src-main/shared/ipc/errors';
import { createDiagnosticsApi, type DiagnosticsResolver } from '../../src-main/server/services/diagnostics';
import { rangeScope } from '../../src-main/security/ip/ip-ranges';
import { DkimRepo } from '../../src-main/store/dkim-repo';
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

test('rangeScope: this computer, private networks only, or reaching the internet', () => {
  const scope = (lower: string, upper: string) => rangeScope({ lower, upper });
  assert.equal(scope('127.0.0.1', '127.0.0.1'), 'loopback');
  assert.equal(scope('::1', '::1'), 'loopback');
  assert.equal(scope('192.168.1.0', '192.168.1.255'), 'private');
  assert.equal(scope('10.0.0.0', '10.255.255.255'), 'private');
  assert.equal(scope('100.64.0.1', '100.127.255.255'), 'private', 'carrier-grade NAT');
  assert.equal(scope('fd00::1', 'fd00::ff'), 'private');
  assert.equal(scope('10.0.0.0', '192.168.255.255'), 'public', 'both ends private, but the range spans public networks between them');
  assert.equal(scope('1.0.0.0', '1.255.255.255'), 'public');
  assert.equal(scope('203.0.113.0', '203.0.113.255'), 'public', 'documentation prefixes count as public');
  assert.equal(scope('0.0.0.0', '255.255.255.255'), 'public');
});

test('run: every IP range that allows SMTP is judged at its ends by the range that decides there: a LAN open to relay is a warning naming it, a public one an error, a shadowed one names the range that decides', async () => {
  const add = (r: Partial<IpRange> & Pick<IpRange, 'name' | 'lower' | 'upper'>) => srv.call<IpRange>('ipRanges', 'add', r);
  const relay = (r: DiagnosticsReport, name: string) => of(r, 'relay', new RegExp(`^Relay from IP range "${name}" `));
  let r = await run();
  assert.deepEqual(
    [relay(r, 'My computer').subject, relay(r, 'My computer').status, relay(r, 'My computer').detail],
    ['Relay from IP range "My computer" (127.0.0.1)', 'ok', "only this computer can send mail that claims a sender of this server's domains (nothing checks the sender address) to other servers without a password, as webmail or scripts running here do"],
  );
  assert.deepEqual([relay(r, 'Internet').status, relay(r, 'Internet').detail], ['ok', 'its computers cannot send mail to other servers without authenticating']);

  // A classroom LAN that lets anyone relay: neither outsider address is in it, the range check finds it.
  const aula = await add({ name: 'Aula', lower: '10.0.0.0', upper: '10.255.255.255', authLocalToExternal: false, authExternalToExternal: false });
  r = await run();
  const lan = relay(r, 'Aula');
  assert.equal(lan.subject, 'Relay from IP range "Aula" (10.0.0.0–10.255.255.255)');
  assert.equal(lan.status, 'warning');
  assert.match(lan.detail, /^any computer of 10\.0\.0\.0–10\.255\.255\.255 can send mail from any address to other servers without a password: .*IP ranges › "Aula", require SMTP authentication/);
  assert.equal(of(r, 'relay', /203\.0\.113\.5/).status, 'ok');
  await srv.call('ipRanges', 'update', { id: aula.id, authExternalToExternal: true });
  assert.match(relay(await run(), 'Aula').detail, /^any computer of 10\.0\.0\.0–10\.255\.255\.255 can send mail that claims a sender of this server's domains/);

  // A public /8 open to relay, outside both fixed outsider addresses: an open relay all the same.
  const pub = await add({ name: 'Publica', lower: '1.0.0.0', upper: '1.255.255.255', authLocalToExternal: false, authExternalToExternal: false });
  r = await run();
  assert.equal(relay(r, 'Publica').status, 'error');
  assert.match(relay(r, 'Publica').detail, /^open relay: any computer of 1\.0\.0\.0–1\.255\.255\.255, internet addresses included, can send mail from any address to other servers without a password; .*"Publica"/);
  assert.equal(of(r, 'relay', /203\.0\.113\.5/).status, 'ok');

  // Shadowed by a range of higher priority that requires a logon: what the server does is what counts.
  const filtro = await add({ name: 'Filtro', priority: 50, lower: '1.0.0.0', upper: '1.255.255.255' });
  r = await run();
  assert.deepEqual(
    [relay(r, 'Publica').status, relay(r, 'Publica').detail],
    ['ok', 'its computers cannot send mail to other servers without authenticating (1.0.0.0 is decided by IP range "Filtro" (priority 50, above this one\'s 20); 1.255.255.255 is decided by IP range "Filtro" (priority 50, above this one\'s 20))'],
  );
  // … and the other way: a relaying range above the lower end of a safe one is the range reported.
  await add({ name: 'Abierta', priority: 60, lower: '1.0.0.0', upper: '1.0.0.255', authLocalToExternal: false, authExternalToExternal: false });
  r = await run();
  const shadowed = relay(r, 'Filtro');
  assert.equal(shadowed.status, 'error');
  assert.match(shadowed.detail, /^open relay: any computer of 1\.0\.0\.0–1\.255\.255\.255, .*without a password \(1\.0\.0\.0 is decided by IP range "Abierta" \(priority 60, above this one's 50\)\).* IP ranges › "Abierta", require/);
  assert.equal(relay(r, 'Abierta').status, 'error');

  // Ranges that take no SMTP, or have expired, relay nothing: no line for them.
  await srv.call('ipRanges', 'update', { id: pub.id, allowSmtp: false });
  await srv.call('ipRanges', 'update', { id: filtro.id, expiresAt: new Date(now - 60_000).toISOString() });
  r = await run();
  assert.equal(r.checks.filter((c) => /^Relay from IP range "(Publica|Filtro)"/.test(c.subject)).length, 0);
  await srv.call('ipRanges', 'resetDefaults');
});

test('run: a live test whose MAIL FROM is refused never reached RCPT: not tested (a warning), not ok', async () => {
  // An SMTP peer that refuses every sender, as a server wanting TLS or a logon first does.
  const seen: string[] = [];
  const peer = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.write('220 peer ESMTP\r\n');
    let rest = '';
    sock.on('data', (d: Buffer) => {
      rest += d.toString('latin1');
      for (let i = rest.indexOf('\r\n'); i >= 0; i = rest.indexOf('\r\n')) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 2);
        seen.push(line);
        if (/^EHLO /i.test(line)) sock.write('250-peer\r\n250 8BITMIME\r\n');
        else if (/^MAIL FROM:/i.test(line)) sock.write('530 5.7.0 Authentication required\r\n');
        else if (/^QUIT/i.test(line)) sock.end('221 2.0.0 Bye\r\n');
        else sock.write('503 5.5.1 Bad sequence of commands\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  try {
    const { host } = srv;
    const port25 = host.status().listeners.find((l) => l.protocol === 'smtp' && l.port === 25)!;
    const boundPort = (peer.address() as AddressInfo).port;
    // The diagnostics as server-host builds them, with the peer as the only SMTP port.
    const api = createDiagnosticsApi({
      repo: host.repo,
      settings: () => host.repo.getSettings(),
      status: () => ({ ...host.status(), listeners: [{ ...port25, address: '127.0.0.1', boundPort }] }),
      hostName: () => host.status().hostName,
      ranges: () => host.repo.listIpRanges(),
      dkim: new DkimRepo(host.db),
      clock,
      resolver,
    });
    const r = await api.run(undefined);
    const live = of(r, 'relay', /^Live test from 127\.0\.0\.1/);
    assert.equal(live.status, 'warning');
    assert.match(live.detail, /from an outside sender: not tested: MAIL FROM refused \(530 5\.7\.0 Authentication required\); from postmaster@aula\.test: not tested: MAIL FROM refused \(530 /);
    assert.deepEqual(
      seen.filter((l) => /^(MAIL|RCPT)/i.test(l)),
      ['MAIL FROM:<diagnostics@example.invalid>', 'MAIL FROM:<postmaster@aula.test>'],
      'RCPT was never sent',
    );
  } finally {
    peer.close();
  }
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
