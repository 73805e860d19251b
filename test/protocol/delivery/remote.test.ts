// Outbound delivery against real smtp-server peers on 127.0.0.1: plain delivery byte for byte,
// mixed per-recipient answers, 4xx, STARTTLS (optional and required), implicit TLS with AUTH,
// SMTPUTF8 and 8BITMIME, the next MX after a dead one; and MX selection with a fake resolver.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { generateSelfSigned, type GeneratedCertificate } from '../../../src-main/security/tls/certificates';
import { deliver, deliverToFirst, mxTargets, type Resolver, type Target } from '../../../src-main/delivery/remote';

const MESSAGE = Buffer.from(
  'From: <remitente@origen.test>\r\nTo: <uno@destino.test>\r\nSubject: prueba\r\n\r\nHola.\r\n.Una linea que empieza con punto\r\n..y otra\r\nFin.\r\n',
);
const HELO = 'buzon.origen.test';

interface Received {
  mailFrom: string;
  mailArgs: Record<string, unknown>;
  rcpts: string[];
  data: Buffer[];
  secure: boolean[];
  auth: { user: string; method: string }[];
}

interface Peer {
  port: number;
  got: Received;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function startPeer(opts: Partial<SMTPServerOptions> & { rcptReply?: (addr: string) => Error | null; mailReply?: Error }): Promise<Peer> {
  const got: Received = { mailFrom: '', mailArgs: {}, rcpts: [], data: [], secure: [], auth: [] };
  const { rcptReply, mailReply, ...serverOpts } = opts;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: serverOpts.secure || serverOpts.key ? [] : ['STARTTLS'],
    onMailFrom(address, session: SMTPServerSession, cb) {
      got.mailFrom = address.address;
      got.mailArgs = (address.args || {}) as Record<string, unknown>;
      cb(mailReply ?? null);
    },
    onRcptTo(address, _session, cb) {
      const err = rcptReply?.(address.address) ?? null;
      if (!err) got.rcpts.push(address.address);
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        got.data.push(Buffer.concat(chunks));
        got.secure.push(session.secure);
        cb(null, 'Message queued as TEST1');
      });
    },
    ...serverOpts,
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const target = (port: number, security: Target['security'] = 'none', extra: Partial<Target> = {}): Target => ({ host: '127.0.0.1', port, security, ...extra });
const base = { heloName: HELO, mailFrom: 'remitente@origen.test', message: () => MESSAGE, timeouts: { connection: 3000, greeting: 3000, socket: 5000 } };

let cert: GeneratedCertificate;
before(() => {
  cert = generateSelfSigned({ commonName: 'localhost', altNames: ['127.0.0.1'] });
});

test('plain delivery streams the file and the peer receives exactly its bytes', async () => {
  const peer = await startPeer({ size: 1_000_000 });
  const dir = await mkdtemp(join(tmpdir(), 'buzon-remote-'));
  try {
    const file = join(dir, 'msg.eml');
    await writeFile(file, MESSAGE);
    const r = await deliver({ ...base, target: target(peer.port), recipients: ['uno@destino.test'], message: () => createReadStream(file) });
    assert.equal(r.error, undefined, r.steps.join('\n'));
    assert.equal(r.connected, true);
    assert.equal(r.tls, false);
    assert.equal(r.authenticated, false);
    assert.equal(r.target, `127.0.0.1:${peer.port}`);
    assert.deepEqual(r.recipients.map((x) => [x.address, x.ok, x.code]), [['uno@destino.test', true, 250]]);
    assert.match(r.recipients[0]!.response, /Message queued as TEST1/);
    assert.equal(peer.got.mailFrom, 'remitente@origen.test');
    assert.deepEqual(peer.got.rcpts, ['uno@destino.test']);
    assert.equal(peer.got.data.length, 1);
    assert.ok(peer.got.data[0]!.equals(MESSAGE), 'byte-for-byte, dot-stuffing undone by the peer');
    assert.equal(peer.got.mailArgs.BODY, undefined, 'a 7-bit message asks for no BODY=8BITMIME');
    assert.equal(peer.got.mailArgs.SIZE, String(MESSAGE.length), 'SIZE from the scanned file');
    assert.ok(r.steps.some((s) => s.startsWith(`connected to 127.0.0.1:${peer.port}`)), r.steps.join('\n'));
    assert.ok(r.steps.some((s) => /^EHLO buzon\.origen\.test → 250/.test(s)), r.steps.join('\n'));

    const big = await deliver({ ...base, target: target(peer.port), recipients: ['uno@destino.test'], size: 2_000_000 });
    assert.equal(big.error?.permanent, true, 'larger than the peer’s SIZE: a permanent failure');
    assert.equal(big.error?.code, 552);
    assert.equal(peer.got.data.length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await peer.close();
  }
});

test('a 550 for one recipient and 250 for another give a mixed result', async () => {
  const peer = await startPeer({ rcptReply: (a) => (a.startsWith('nadie@') ? smtpError(550, '5.1.1 No such user here') : null) });
  try {
    const r = await deliver({ ...base, target: target(peer.port), recipients: ['uno@destino.test', 'nadie@destino.test', 'dos@destino.test'] });
    assert.equal(r.error, undefined);
    const [uno, nadie, dos] = r.recipients;
    assert.equal(uno!.ok, true);
    assert.equal(dos!.ok, true);
    assert.equal(nadie!.ok, false);
    assert.equal(nadie!.permanent, true);
    assert.equal(nadie!.code, 550);
    assert.equal(nadie!.enhanced, '5.1.1');
    assert.match(nadie!.response, /^550 5\.1\.1 No such user here/);
    assert.deepEqual(peer.got.rcpts, ['uno@destino.test', 'dos@destino.test']);
    assert.equal(peer.got.data.length, 1);
  } finally {
    await peer.close();
  }
});

test('451 at MAIL FROM is a temporary failure of the whole transaction; 451 at RCPT only of that recipient', async () => {
  const peer = await startPeer({ mailReply: smtpError(451, '4.7.1 Greylisted, try again later') });
  try {
    const r = await deliver({ ...base, target: target(peer.port), recipients: ['uno@destino.test'] });
    assert.ok(r.error);
    assert.equal(r.error.permanent, false);
    assert.equal(r.error.code, 451);
    assert.equal(r.recipients[0]!.ok, false);
    assert.equal(r.recipients[0]!.permanent, false);
    assert.equal(peer.got.data.length, 0);
  } finally {
    await peer.close();
  }
  const peer2 = await startPeer({ rcptReply: (a) => (a.startsWith('luego@') ? smtpError(451, 'Mailbox busy') : null) });
  try {
    const r = await deliver({ ...base, target: target(peer2.port), recipients: ['luego@destino.test', 'uno@destino.test'] });
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.recipients.map((x) => [x.ok, x.permanent, x.code]),
      [
        [false, false, 451],
        [true, false, 250],
      ],
    );
  } finally {
    await peer2.close();
  }
});

test('STARTTLS optional: a TLS-capable peer gets STARTTLS (self-signed certificate accepted)', async () => {
  const peer = await startPeer({ key: cert.keyPem, cert: cert.certPem });
  try {
    const r = await deliver({ ...base, target: target(peer.port, 'starttls-optional'), recipients: ['uno@destino.test'] });
    assert.equal(r.error, undefined, r.steps.join('\n'));
    assert.equal(r.tls, true);
    assert.equal(r.recipients[0]!.ok, true);
    assert.deepEqual(peer.got.secure, [true]);
    assert.ok(r.steps.some((s) => /^STARTTLS ok \(TLSv1\.[23]/.test(s)), r.steps.join('\n'));
  } finally {
    await peer.close();
  }
});

test('STARTTLS optional: a failed TLS handshake falls back to plaintext on the same host', async () => {
  const peer = await startPeer({ key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' } as Partial<SMTPServerOptions>);
  try {
    const r = await deliver({ ...base, target: target(peer.port, 'starttls-optional'), recipients: ['uno@destino.test'] });
    assert.equal(r.error, undefined, r.steps.join('\n'));
    assert.equal(r.tls, false);
    assert.equal(r.recipients[0]!.ok, true);
    assert.deepEqual(peer.got.secure, [false]);
    assert.ok(r.steps.some((s) => /retrying without TLS/.test(s)), r.steps.join('\n'));
  } finally {
    await peer.close();
  }
});

test('STARTTLS optional against a peer without STARTTLS delivers in plaintext', async () => {
  const peer = await startPeer({});
  try {
    const r = await deliver({ ...base, target: target(peer.port, 'starttls-optional'), recipients: ['uno@destino.test'] });
    assert.equal(r.tls, false);
    assert.equal(r.recipients[0]!.ok, true);
    assert.ok(r.steps.includes('STARTTLS not offered; continuing without TLS'));
  } finally {
    await peer.close();
  }
});

test('STARTTLS required against a peer without STARTTLS: temporary error, no MAIL sent', async () => {
  const peer = await startPeer({});
  try {
    const r = await deliver({ ...base, target: target(peer.port, 'starttls-required'), recipients: ['uno@destino.test'] });
    assert.equal(r.connected, true);
    assert.equal(r.tls, false);
    assert.ok(r.error);
    assert.equal(r.error.permanent, false);
    assert.match(r.error.message, /STARTTLS/);
    assert.equal(r.recipients[0]!.permanent, false);
    assert.equal(peer.got.mailFrom, '', 'no MAIL FROM reached the peer');
  } finally {
    await peer.close();
  }
});

test('STARTTLS required verifies the certificate unless allowInvalidCertificates', async () => {
  const peer = await startPeer({ key: cert.keyPem, cert: cert.certPem });
  try {
    const strict = await deliver({ ...base, target: target(peer.port, 'starttls-required'), recipients: ['uno@destino.test'] });
    assert.ok(strict.error);
    assert.equal(strict.error.permanent, false, 'a TLS policy failure is temporary');
    assert.equal(peer.got.mailFrom, '');
    const lax = await deliver({ ...base, target: target(peer.port, 'starttls-required'), recipients: ['uno@destino.test'], allowInvalidCertificates: true });
    assert.equal(lax.error, undefined, lax.steps.join('\n'));
    assert.equal(lax.tls, true);
    assert.equal(lax.recipients[0]!.ok, true);
  } finally {
    await peer.close();
  }
});

test('implicit TLS with AUTH PLAIN: authenticated; a wrong password is a permanent 535', async () => {
  const peer = await startPeer({
    secure: true,
    key: cert.keyPem,
    cert: cert.certPem,
    authOptional: false,
    onAuth(auth, _session, cb) {
      peerAuth.push({ user: auth.username ?? '', method: auth.method });
      if (auth.username === 'relay@origen.test' && auth.password === 'secreto') cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
  });
  const peerAuth = peer.got.auth;
  try {
    const auth = { user: 'relay@origen.test', pass: 'secreto' };
    const ok = await deliver({ ...base, target: target(peer.port, 'tls', { auth }), recipients: ['uno@destino.test'], allowInvalidCertificates: true });
    assert.equal(ok.error, undefined, ok.steps.join('\n'));
    assert.equal(ok.tls, true);
    assert.equal(ok.authenticated, true);
    assert.equal(ok.recipients[0]!.ok, true);
    assert.deepEqual(peerAuth, [{ user: 'relay@origen.test', method: 'PLAIN' }]);
    assert.ok(ok.steps.some((s) => /^TLS ok/.test(s)));
    assert.ok(ok.steps.some((s) => s.startsWith('AUTH ok')));
    assert.ok(!ok.steps.join('\n').includes('secreto'), 'the password never reaches the log');

    peer.got.mailFrom = '';
    const bad = await deliver({ ...base, target: target(peer.port, 'tls', { auth: { ...auth, pass: 'mal' } }), recipients: ['uno@destino.test'], allowInvalidCertificates: true });
    assert.equal(bad.authenticated, false);
    assert.ok(bad.error);
    assert.equal(bad.error.permanent, true);
    assert.equal(bad.error.code, 535);
    assert.equal(bad.recipients[0]!.permanent, true);
    assert.equal(peer.got.mailFrom, '', 'no MAIL after a failed AUTH');

    const unverified = await deliver({ ...base, target: target(peer.port, 'tls', { auth }), recipients: ['uno@destino.test'] });
    assert.ok(unverified.error, 'a self-signed certificate fails verification by default');
    assert.equal(unverified.error.permanent, false);
  } finally {
    await peer.close();
  }
});

test('SMTPUTF8: an internationalized recipient goes out with SMTPUTF8; without it the peer is refused', async () => {
  const body = Buffer.from('From: <remitente@origen.test>\r\nTo: <josé@destino.test>\r\nSubject: año\r\n\r\nCañón.\r\n');
  const peer = await startPeer({});
  try {
    const r = await deliver({ ...base, target: target(peer.port), recipients: ['josé@destino.test'], message: () => body });
    assert.equal(r.error, undefined, r.steps.join('\n'));
    assert.equal(r.recipients[0]!.ok, true);
    assert.equal(peer.got.mailArgs.SMTPUTF8, true);
    assert.equal(peer.got.mailArgs.BODY, '8BITMIME');
    assert.deepEqual(peer.got.rcpts, ['josé@destino.test']);
    assert.ok(peer.got.data[0]!.equals(body));
  } finally {
    await peer.close();
  }
  const old = await startPeer({ hideSMTPUTF8: true });
  try {
    const r = await deliver({ ...base, target: target(old.port), recipients: ['josé@destino.test'], message: () => body });
    assert.ok(r.error);
    assert.equal(r.error.permanent, true);
    assert.equal(r.recipients[0]!.enhanced, '5.6.7');
    assert.equal(old.got.mailFrom, '');
  } finally {
    await old.close();
  }
});

test('an 8-bit message to a peer without 8BITMIME is still sent, with a note', async () => {
  const body = Buffer.from('Subject: eñe\r\n\r\nCañón.\r\n');
  const peer = await startPeer({ hide8BITMIME: true });
  try {
    const r = await deliver({ ...base, target: target(peer.port), recipients: ['uno@destino.test'], message: () => body });
    assert.equal(r.recipients[0]!.ok, true);
    assert.equal(peer.got.mailArgs.BODY, undefined);
    assert.ok(r.steps.some((s) => s.includes('8BITMIME')));
    assert.ok(peer.got.data[0]!.equals(body));
  } finally {
    await peer.close();
  }
});

test('deliverToFirst skips a dead target and a 4xx target, and delivers at the next', async () => {
  const dead = await closedPort();
  const busy = await startPeer({ mailReply: smtpError(421, '4.3.2 Service shutting down') });
  const good = await startPeer({ rcptReply: (a) => (a.startsWith('nadie@') ? smtpError(550, '5.1.1 No such user') : null) });
  try {
    const targets = [target(dead, 'none', { label: `mx1.destino.test[127.0.0.1]:${dead}` }), target(busy.port), target(good.port, 'none', { label: 'mx3' })];
    const r = await deliverToFirst(targets, { ...base, recipients: ['uno@destino.test', 'nadie@destino.test'] });
    assert.equal(r.target, 'mx3');
    assert.equal(r.connected, true);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.ok, x.permanent]),
      [
        ['uno@destino.test', true, false],
        ['nadie@destino.test', false, true],
      ],
    );
    assert.equal(good.got.data.length, 1);
    assert.ok(r.steps.some((s) => s.startsWith(`connecting to mx1.destino.test[127.0.0.1]:${dead}`)));

    // A permanent failure at one target is definitive: the next one is not tried.
    const refusing = await startPeer({ mailReply: smtpError(554, '5.7.1 Sender rejected') });
    try {
      const p = await deliverToFirst([target(refusing.port), target(good.port)], { ...base, recipients: ['dos@destino.test'] });
      assert.equal(p.error?.permanent, true);
      assert.equal(p.error?.code, 554);
      assert.equal(good.got.data.length, 1, 'the second target was not tried');
    } finally {
      await refusing.close();
    }
  } finally {
    await busy.close();
    await good.close();
  }
});

test('a dead target alone is a temporary failure with connected false', async () => {
  const dead = await closedPort();
  const r = await deliver({ ...base, target: target(dead), recipients: ['uno@destino.test'] });
  assert.equal(r.connected, false);
  assert.equal(r.error?.permanent, false);
  assert.match(r.error?.message ?? '', /ECONNREFUSED/);
});

// --- MX selection -----------------------------------------------------------------------------

function dnsError(code: string): Error {
  return Object.assign(new Error(`queryX ${code}`), { code });
}

function fakeResolver(zone: { mx?: Record<string, { exchange: string; priority: number }[] | string>; a?: Record<string, string[] | string>; aaaa?: Record<string, string[] | string> }): Resolver {
  const lookup = <T>(table: Record<string, T | string> | undefined, name: string): Promise<T> => {
    const v = table?.[name];
    if (v === undefined) return Promise.reject(dnsError('ENODATA'));
    if (typeof v === 'string') return Promise.reject(dnsError(v));
    return Promise.resolve(v);
  };
  return {
    resolveMx: (d) => lookup(zone.mx, d),
    resolve4: (h) => lookup(zone.a, h),
    resolve6: (h) => lookup(zone.aaaa, h),
  };
}

test('mxTargets: preference order, ties both present, addresses expanded, maxMx', async () => {
  const resolver = fakeResolver({
    mx: {
      'destino.test': [
        { exchange: 'mx3.destino.test', priority: 30 },
        { exchange: 'mx1.destino.test', priority: 10 },
        { exchange: 'mx2a.destino.test', priority: 20 },
        { exchange: 'mx2b.destino.test', priority: 20 },
      ],
    },
    a: { 'mx1.destino.test': ['192.0.2.1'], 'mx2a.destino.test': ['192.0.2.2'], 'mx2b.destino.test': ['192.0.2.3'], 'mx3.destino.test': ['192.0.2.4'] },
    aaaa: { 'mx1.destino.test': ['2001:db8::1'] },
  });
  const r = await mxTargets('destino.test', resolver);
  assert.ok(r.ok);
  assert.deepEqual(r.targets.slice(0, 2), [
    { host: '192.0.2.1', port: 25, security: 'starttls-optional', label: 'mx1.destino.test[192.0.2.1]:25' },
    { host: '2001:db8::1', port: 25, security: 'starttls-optional', label: 'mx1.destino.test[2001:db8::1]:25' },
  ]);
  assert.deepEqual(new Set(r.targets.slice(2, 4).map((t) => t.host)), new Set(['192.0.2.2', '192.0.2.3']));
  assert.equal(r.targets[4]!.host, '192.0.2.4');

  const capped = await mxTargets('destino.test', resolver, { maxMx: 1, useStartTls: false });
  assert.ok(capped.ok);
  assert.deepEqual(
    capped.targets.map((t) => [t.host, t.security]),
    [
      ['192.0.2.1', 'none'],
      ['2001:db8::1', 'none'],
    ],
  );
});

test('mxTargets: no MX → implicit MX on the domain’s A/AAAA', async () => {
  const r = await mxTargets('solo-a.test', fakeResolver({ a: { 'solo-a.test': ['198.51.100.7'] } }));
  assert.deepEqual(r, { ok: true, targets: [{ host: '198.51.100.7', port: 25, security: 'starttls-optional', label: 'solo-a.test[198.51.100.7]:25' }] });
});

test('mxTargets: null MX is permanent; NXDOMAIN is permanent; DNS timeouts are temporary', async () => {
  const nullMx = await mxTargets('nomail.test', fakeResolver({ mx: { 'nomail.test': [{ exchange: '', priority: 0 }] } }));
  assert.equal(nullMx.ok, false);
  assert.ok(!nullMx.ok && nullMx.permanent && /null MX/.test(nullMx.message));
  const dotMx = await mxTargets('nomail.test', fakeResolver({ mx: { 'nomail.test': [{ exchange: '.', priority: 0 }] } }));
  assert.ok(!dotMx.ok && dotMx.permanent);

  const nx = await mxTargets('no-existe.test', fakeResolver({ mx: { 'no-existe.test': 'ENOTFOUND' }, a: { 'no-existe.test': 'ENOTFOUND' }, aaaa: { 'no-existe.test': 'ENOTFOUND' } }));
  assert.ok(!nx.ok && nx.permanent && /not found/i.test(nx.message));

  const slow = await mxTargets('lento.test', fakeResolver({ mx: { 'lento.test': 'ETIMEOUT' } }));
  assert.ok(!slow.ok && !slow.permanent);

  const aTimeout = await mxTargets('lento.test', fakeResolver({ a: { 'lento.test': 'ETIMEOUT' } }));
  assert.ok(!aTimeout.ok && !aTimeout.permanent, 'no MX, and the A lookup timed out: temporary');

  const mxHostTimeout = await mxTargets('x.test', fakeResolver({ mx: { 'x.test': [{ exchange: 'mx.x.test', priority: 10 }] }, a: { 'mx.x.test': 'ESERVFAIL' } }));
  assert.ok(!mxHostTimeout.ok && !mxHostTimeout.permanent);

  const literal = await mxTargets('[127.0.0.1]', fakeResolver({}));
  assert.ok(literal.ok && literal.targets[0]!.host === '127.0.0.1');
});
