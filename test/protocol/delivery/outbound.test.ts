// The outbound engine end to end: mail for an external domain is accepted over SMTP, queued, and
// delivered by the server to a real SMTP peer (smtp-server on 127.0.0.1) found through a fake DNS
// resolver; 4xx answers are retried on schedule (a fake clock, no waiting), 5xx answers and used-up
// retries bounce an RFC 3464 report into the local sender's INBOX, a route sends a domain to a
// given host, and a restart with a retry pending still delivers exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../../helpers/start-server';
import { fakeClock, inboxTexts, peer, resolver, send, smartHost } from './kit';
import { until } from '../smtp/kit';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import type { DkimInfo, Route } from '../../../src-main/shared/model/entities';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

test('mail for an external domain goes to its MX (fake DNS) and leaves the queue; the log has a Postfix-style line', async () => {
  const p = await peer();
  const clock = fakeClock();
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock });
  try {
    await send(srv, 'destino@remoto.example', 'via MX');
    await until(() => p.received.length === 1 && srv.host.queue.count() === 0, 'delivery to the MX peer');
    assert.deepEqual(p.received[0]!.to, ['destino@remoto.example']);
    assert.equal(p.received[0]!.from, 'cuenta1@aula.test');
    assert.match(p.received[0]!.data.toString('latin1'), /Subject: via MX/);
    const logged = srv.host.sink.recent(200).some((e) => / to=<destino@remoto\.example>, relay=.*status=sent/.test(e.msg));
    assert.ok(logged, 'status=sent log line');
  } finally {
    await srv.close();
    await p.close();
  }
});

test('a 4xx answer is retried after the retry interval (fake clock) and then delivered once', async () => {
  let busy = true;
  const p = await peer(() => (busy ? { code: 451, text: 'Try again later' } : undefined));
  const clock = fakeClock();
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock });
  try {
    await send(srv, 'tarde@remoto.example', 'retry');
    await until(() => srv.host.queue.list()[0]?.attempts === 1, 'first attempt');
    const item = srv.host.queue.list()[0]!;
    assert.equal(item.recipients[0]!.status, 'deferred');
    assert.match(item.recipients[0]!.lastError ?? '', /451/);
    assert.equal(Date.parse(item.nextTryAt) - clock.now().getTime(), 60 * 60_000, 'hMailServer default: 60 minutes');
    // Not due yet: nothing happens.
    await srv.host.outbound!.runDue();
    assert.equal(p.received.length, 0);
    busy = false;
    clock.advance(61);
    await srv.host.outbound!.runDue();
    assert.equal(p.received.length, 1);
    assert.equal(srv.host.queue.count(), 0);
  } finally {
    await srv.close();
    await p.close();
  }
});

test('a 5xx answer bounces at once: an RFC 3464 report reaches the local sender, the queue is empty', async () => {
  const p = await peer((rcpt) => (rcpt.startsWith('nadie@') ? { code: 550, text: '5.1.1 No such user' } : undefined));
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock: fakeClock() });
  try {
    await send(srv, 'nadie@remoto.example', 'bounce me');
    await until(() => srv.host.queue.count() === 0 && inboxTexts(srv, 'cuenta1@aula.test').length === 1, 'the bounce in the INBOX');
    const dsn = inboxTexts(srv, 'cuenta1@aula.test')[0]!;
    assert.match(dsn, /^Return-Path: <>\r\n/);
    assert.match(dsn, /Content-Type: multipart\/report;[\s\S]*report-type=delivery-status/i);
    assert.match(dsn, /Final-Recipient: rfc822; ?nadie@remoto\.example/);
    assert.match(dsn, /Action: failed/);
    assert.match(dsn, /Status: 5\.\d{1,3}\.\d{1,3}/);
    assert.match(dsn, /Diagnostic-Code: smtp; 550 .*No such user/);
    assert.match(dsn, /Subject: bounce me/, 'the original headers are in the report');
  } finally {
    await srv.close();
    await p.close();
  }
});

test('retries used up: the deferred recipient bounces with 4.4.7', async () => {
  const p = await peer(() => ({ code: 451, text: 'Try again later' }));
  const clock = fakeClock();
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock, settings: { 'smtp.retries': 1, 'smtp.retryMinutes': 10 } });
  try {
    await send(srv, 'tarde@remoto.example', 'give up');
    await until(() => srv.host.queue.list()[0]?.attempts === 1, 'first attempt');
    clock.advance(11);
    await srv.host.outbound!.runDue();
    assert.equal(srv.host.queue.count(), 0);
    const dsn = inboxTexts(srv, 'cuenta1@aula.test');
    assert.equal(dsn.length, 1);
    assert.match(dsn[0]!, /Status: 4\.4\.7/);
    assert.match(dsn[0]!, /451/);
  } finally {
    await srv.close();
    await p.close();
  }
});

test('a route (API) takes some addresses of a domain to its own host, with AUTH over STARTTLS; the others go by DNS', async () => {
  const relay = await smartHost(false);
  const srv = await startServer({ outbound: true, resolver, clock: fakeClock() });
  try {
    const route = await srv.call<Route>('routes', 'add', {
      domain: 'aula2.test',
      host: '127.0.0.1',
      port: relay.port,
      security: 'starttls-required',
      verifyCertificate: false,
      requiresAuth: true,
      username: 'profe@gmail.example',
      password: 'app-password-1234',
      allAddresses: false,
      addresses: ['Alumno@aula2.test'],
    });
    assert.equal(route.hasPassword, true);
    assert.ok(!JSON.stringify(await srv.call('routes', 'list')).includes('app-password-1234'), 'the API never shows the password');
    await send(srv, 'alumno@aula2.test', 'via route');
    await until(() => relay.received.length === 1 && srv.host.queue.count() === 0, 'delivery through the route');
    assert.deepEqual(relay.logins, ['profe@gmail.example tls=true']);
    assert.deepEqual(relay.received[0]!.to, ['alumno@aula2.test']);
    // Not one of the route's addresses: the domain's MX, which DNS does not know.
    await send(srv, 'otro@aula2.test', 'not routed');
    await until(() => srv.host.queue.count() === 0 && inboxTexts(srv, 'cuenta1@aula.test').length === 1, 'the bounce for the unrouted address');
    assert.equal(relay.received.length, 1);
    // Bad input gets a field error.
    await assert.rejects(srv.call('routes', 'add', { domain: 'aula3.test', host: '127.0.0.1', requiresAuth: true, username: 'u' }), /password/);
    await assert.rejects(srv.call('routes', 'add', { domain: 'aula3.test', host: '127.0.0.1', allAddresses: false, addresses: ['x@elsewhere.test'] }), /not an address of aula3\.test/);
    await assert.rejects(srv.call('routes', 'add', { domain: 'aula2.test', host: '127.0.0.1' }), /already a route/);
    await assert.rejects(srv.call('routes', 'add', { domain: 'aula3.test', host: 'bad host!' }), /host/);
  } finally {
    await srv.close();
    await relay.close();
  }
});

test('passwords for smart host and routes are sealed at rest; with the key file replaced, mail waits with a clear error', async () => {
  const relay = await smartHost(true);
  const clock = fakeClock();
  const settings = {
    'smtp.relayer.host': '127.0.0.1',
    'smtp.relayer.port': relay.port,
    'smtp.relayer.security': 'tls',
    'smtp.relayer.requiresAuth': true,
    'smtp.relayer.username': 'profe@gmail.example',
    'smtp.relayer.password': 'app-password-1234',
    'smtp.relayer.verifyCertificate': false,
  };
  const first = await startServer({ outbound: true, resolver, clock, settings });
  let second: TestServer | undefined;
  try {
    await first.call('routes', 'add', { domain: 'aula2.test', host: '127.0.0.1', port: relay.port, security: 'tls', verifyCertificate: false, requiresAuth: true, username: 'profe@gmail.example', password: 'app-password-1234' });
    const stored = (first.host.db.prepare("SELECT value FROM settings WHERE key = 'smtp.relayer.password'").get() as { value: string }).value;
    assert.match(stored, /^"enc:v1:/);
    assert.match((first.host.db.prepare('SELECT password_enc FROM routes').get() as { password_enc: string }).password_enc, /^enc:v1:/);
    assert.equal((await first.call<Record<string, unknown>>('settings', 'get'))['smtp.relayer.password'], '********');
    // A form that sends the mask back unchanged keeps the password.
    await first.call('settings', 'update', { 'smtp.relayer.password': '********', 'smtp.relayer.port': relay.port });
    await send(first, 'amigo@otro-dominio.example', 'sealed');
    await send(first, 'alumno@aula2.test', 'sealed route');
    await until(() => relay.received.length === 2 && first.host.queue.count() === 0, 'both delivered with the sealed passwords');
    await first.host.close();
    const dbBytes = ['buzon.db', 'buzon.db-wal'].map((f) => (existsSync(join(first.dir, f)) ? readFileSync(join(first.dir, f), 'latin1') : '')).join('');
    assert.ok(!dbBytes.includes('app-password-1234'), 'no clear password in the database files');
    assert.equal(statSync(join(first.dir, 'keys', 'secrets.key')).mode & 0o777, 0o600);

    // The key lost (a database copied to another machine): nothing is sent with a garbage password.
    writeFileSync(join(first.dir, 'keys', 'secrets.key'), randomBytes(32).toString('base64'));
    second = await startServer({ dir: first.dir, outbound: true, resolver, clock });
    await send(second, 'amigo@otro-dominio.example', 'no key');
    await send(second, 'alumno@aula2.test', 'no key route');
    await until(() => second!.host.queue.list().filter((q) => q.attempts >= 1).length === 2, 'both attempted');
    for (const q of second.host.queue.list()) {
      assert.equal(q.recipients[0]!.status, 'deferred');
      assert.match(q.lastError ?? '', /cannot be decrypted/);
    }
    assert.equal(relay.received.length, 2);
  } finally {
    await second?.host.close();
    await first.close();
    await relay.close();
  }
});

test('a restart with a retry pending still delivers, exactly once', async () => {
  let busy = true;
  const p = await peer(() => (busy ? { code: 421, text: 'Service not available' } : undefined));
  const clock = fakeClock();
  const first = await startServer({ outbound: true, resolver, mxPort: p.port, clock });
  let second: TestServer | undefined;
  try {
    await send(first, 'tarde@remoto.example', 'across a restart');
    await until(() => first.host.queue.list()[0]?.attempts === 1, 'first attempt');
    await first.host.close();
    busy = false;
    clock.advance(61);
    second = await startServer({ dir: first.dir, outbound: true, resolver, mxPort: p.port, clock });
    await until(() => p.received.length === 1 && second!.host.queue.count() === 0, 'delivery after the restart');
    await second.host.outbound!.runDue();
    assert.equal(p.received.length, 1, 'delivered once');
  } finally {
    await second?.host.close();
    await first.close();
    await p.close();
  }
});

for (const implicitTls of [false, true]) {
  test(`the smart host (Gmail-style, AUTH over ${implicitTls ? 'implicit TLS' : 'STARTTLS'}) carries mail for every external domain`, async () => {
    const relay = await smartHost(implicitTls);
    const srv = await startServer({
      outbound: true,
      resolver,
      clock: fakeClock(),
      settings: {
        'smtp.relayer.host': '127.0.0.1',
        'smtp.relayer.port': relay.port,
        'smtp.relayer.security': implicitTls ? 'tls' : 'starttls-required',
        'smtp.relayer.requiresAuth': true,
        'smtp.relayer.username': 'profe@gmail.example',
        'smtp.relayer.password': 'app-password-1234',
        // the lab's smart host has a self-signed certificate
        'smtp.relayer.verifyCertificate': false,
      },
    });
    try {
      await send(srv, 'amigo@otro-dominio.example', 'via smart host');
      await until(() => relay.received.length === 1 && srv.host.queue.count() === 0, 'delivery through the smart host');
      assert.deepEqual(relay.logins, ['profe@gmail.example tls=true']);
      assert.deepEqual(relay.received[0]!.to, ['amigo@otro-dominio.example']);
    } finally {
      await srv.close();
      await relay.close();
    }
  });
}

test('the smart host refusing the password: the message is deferred (not bounced), the error kept for the admin', async () => {
  const relay = await smartHost(true);
  const srv = await startServer({
    outbound: true,
    resolver,
    clock: fakeClock(),
    settings: {
      'smtp.relayer.host': '127.0.0.1',
      'smtp.relayer.port': relay.port,
      'smtp.relayer.security': 'tls',
      'smtp.relayer.requiresAuth': true,
      'smtp.relayer.username': 'profe@gmail.example',
      'smtp.relayer.password': 'wrong',
      'smtp.relayer.verifyCertificate': false,
    },
  });
  try {
    await send(srv, 'amigo@otro-dominio.example', 'bad password');
    await until(() => (srv.host.queue.list()[0]?.attempts ?? 0) >= 1, 'an attempt');
    const item = srv.host.queue.list()[0]!;
    assert.match(item.lastError ?? '', /535/);
    assert.equal(item.recipients[0]!.status, 'deferred');
    assert.equal(relay.received.length, 0);
    assert.equal(inboxTexts(srv, 'cuenta1@aula.test').length, 0, 'no bounce for the admin\'s mistake');
  } finally {
    await srv.close();
    await relay.close();
  }
});

test('with DKIM on for the sending domain, what leaves is signed and verifies against the record the admin publishes', async () => {
  const p = await peer();
  const clock = fakeClock();
  const srv = await startServer({ outbound: true, resolver, mxPort: p.port, clock });
  try {
    const domainId = (srv.host.db.prepare("SELECT id FROM domains WHERE name = 'aula.test'").get() as { id: number }).id;
    const info = await srv.call<DkimInfo>('dkim', 'generate', { domainId, selector: 'aula2026' });
    assert.equal(info.record?.name, 'aula2026._domainkey.aula.test');
    await send(srv, 'destino@remoto.example', 'firmado');
    await until(() => p.received.length === 1, 'delivery');
    const data = p.received[0]!.data;
    assert.match(data.toString('latin1'), /^DKIM-Signature: /);
    const txt = async (name: string, rrtype: string): Promise<string[][]> => {
      if (rrtype === 'TXT' && name.toLowerCase() === info.record!.name) return [info.record!.value.match(/.{1,255}/g) ?? []];
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    const res = await dkimVerify(data, { resolver: txt, curTime: clock.now() });
    assert.equal(res.results[0]?.status.result, 'pass', JSON.stringify(res.results[0]?.status));
    // Off again: the next message leaves unsigned.
    await srv.call('dkim', 'disable', { domainId });
    await send(srv, 'destino@remoto.example', 'sin firma');
    await until(() => p.received.length === 2, 'second delivery');
    assert.doesNotMatch(p.received[1]!.data.toString('latin1'), /DKIM-Signature:/);
  } finally {
    await srv.close();
    await p.close();
  }
});

test('smarthost test: a probe through the smart host reports each step, and says where it fails', async () => {
  const relay = await smartHost(false);
  const base = {
    'smtp.relayer.host': '127.0.0.1',
    'smtp.relayer.port': relay.port,
    'smtp.relayer.security': 'starttls-required',
    'smtp.relayer.requiresAuth': true,
    'smtp.relayer.username': 'profe@gmail.example',
    'smtp.relayer.verifyCertificate': false,
  };
  const srv = await startServer({ settings: { ...base, 'smtp.relayer.password': 'app-password-1234' } });
  try {
    const ok = await srv.call<{ ok: boolean; steps: string[]; error: string | null }>('delivery', 'testSmartHost', { to: 'amigo@otro-dominio.example' });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.ok(ok.steps.some((x) => /STARTTLS ok/.test(x)), ok.steps.join('\n'));
    assert.ok(ok.steps.some((x) => /AUTH ok/.test(x)), ok.steps.join('\n'));
    assert.ok(!ok.steps.join('\n').includes('app-password-1234'), 'the password never shows');
    assert.equal(relay.received.length, 1);
    assert.match(relay.received[0]!.data.toString('latin1'), /Subject: Buzon smart host test/);
    await srv.call('settings', 'set', { key: 'smtp.relayer.password', value: 'wrong' });
    const bad = await srv.call<{ ok: boolean; steps: string[]; error: string | null }>('delivery', 'testSmartHost', { to: 'amigo@otro-dominio.example' });
    assert.equal(bad.ok, false);
    assert.match(bad.error ?? '', /535/);
    assert.equal(relay.received.length, 1, 'nothing sent with the wrong password');
    await assert.rejects(srv.call('delivery', 'testSmartHost', { to: 'not an address' }), /an e-mail address/);
  } finally {
    await srv.close();
    await relay.close();
  }
});
