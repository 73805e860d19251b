// Certificates on real TLS connections: generated (self-signed and by the local CA), imported
// (PEM with chain, encrypted key, PFX — fixtures made by openssl here), chosen by SNI on every
// protocol and on STARTTLS as on implicit TLS, and replaced while a session is open: the open
// session goes on with the old one, the next connection gets the new one. Clients: Node's TLS
// client and openssl s_client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { startServer, type TestServer } from '../../helpers/start-server';
import { tempDir } from '../../helpers/temp-dir';
import { LineClient } from '../../helpers/line-client';
import { until } from '../smtp/kit';
import type { CertificateDetail, CertificateExport, CertificateInfo, PortStatus } from '../../../src-main/shared/model/entities';

/** Runs a command without blocking the event loop (the server under test runs in this process). */
function run(cmd: string, args: readonly string[], input = ''): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input);
  });
}

/** Turns on the implicit-TLS ports (465, 993, 995) with the given certificate; resolves with their bound ports. */
async function implicitPorts(srv: TestServer, certificateId: number | null): Promise<Record<'smtp' | 'imap' | 'pop3', number>> {
  const ports = await srv.call<PortStatus[]>('ports', 'list');
  for (const [protocol, port] of [['smtp', 465], ['imap', 993], ['pop3', 995]] as const) {
    const p = ports.find((x) => x.protocol === protocol && x.port === port)!;
    await srv.call('ports', 'update', { id: p.id, enabled: true, certificateId });
  }
  await until(() => ['smtp:465', 'imap:993', 'pop3:995'].every((k) => srv.host.boundPort(k.split(':')[0] as 'smtp', Number(k.split(':')[1])) !== undefined), 'the TLS ports');
  return { smtp: srv.host.boundPort('smtp', 465)!, imap: srv.host.boundPort('imap', 993)!, pop3: srv.host.boundPort('pop3', 995)! };
}

interface Handshake {
  readonly cert: PeerCertificate;
  readonly authorized: boolean;
  readonly authError: string | null;
  readonly greeting: string;
  readonly socket: TLSSocket;
}

/** Implicit TLS: the handshake, the server certificate and the first line of the greeting. */
function handshake(port: number, opts: { servername?: string; ca?: string; maxVersion?: 'TLSv1.2'; ciphers?: string } = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port,
      // No servername: no SNI at all (as when a client connects by IP address).
      ...(opts.servername ? { servername: opts.servername } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
      rejectUnauthorized: false,
    });
    s.once('error', reject);
    s.once('secureConnect', () => {
      s.once('data', (d: Buffer) =>
        resolve({ cert: s.getPeerCertificate(), authorized: s.authorized, authError: s.authorizationError ? String(s.authorizationError) : null, greeting: d.toString().split('\r\n')[0]!, socket: s }),
      );
    });
  });
}

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

test('local CA: a certificate it issues is trusted through the exported CA on 465/993/995; SNI picks the certificate by name; no SNI gets the port\'s own', async () => {
  const srv = await startServer();
  try {
    const main = await srv.call<CertificateInfo>('certificates', 'generateSelfSigned', { name: 'aula', commonName: 'mail.aula.test', altNames: ['smtp.aula.test', 'imap.aula.test', 'pop.aula.test'], kind: 'local-ca' });
    const other = await srv.call<CertificateInfo>('certificates', 'generateSelfSigned', { name: 'otro', commonName: 'mail.otro.test', altNames: ['*.otro.test'] });
    assert.equal(main.hasChain, true);
    const ca = await srv.call<CertificateExport>('certificates', 'export', { id: main.id, part: 'ca' });
    assert.match(ca.pem, /^-----BEGIN CERTIFICATE-----/);
    assert.ok(new X509Certificate(ca.pem).ca, 'the exported root is a CA');
    const list = await srv.call<CertificateInfo[]>('certificates', 'list');
    assert.ok(list.some((c) => c.isCa && c.name.startsWith('Local CA')), 'the local CA is listed');
    assert.ok(!JSON.stringify(list).includes('PRIVATE KEY'), 'no private key in the listing');

    const ports = await implicitPorts(srv, main.id);
    for (const [protocol, port] of Object.entries(ports)) {
      const h = await handshake(port, { servername: 'imap.aula.test', ca: ca.pem });
      assert.equal(h.authorized, true, `${protocol}: ${h.authError ?? ''}`);
      assert.equal(h.cert.fingerprint256, main.fingerprint256, protocol);
      assert.match(h.greeting, protocol === 'smtp' ? /^220 / : protocol === 'imap' ? /^\* OK/ : /^\+OK/);
      h.socket.destroy();
      // Another name: the certificate that has it, on the same port.
      const o = await handshake(port, { servername: 'pop.otro.test' });
      assert.equal(o.cert.fingerprint256, other.fingerprint256, `${protocol}: SNI by wildcard`);
      o.socket.destroy();
      // No SNI: the port's own certificate.
      const n = await handshake(port);
      assert.equal(n.cert.fingerprint256, main.fingerprint256, `${protocol}: no SNI`);
      n.socket.destroy();
    }
    // openssl s_client sees the same, with the chain.
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${ports.imap}`, '-servername', 'mail.otro.test', '-showcerts'], 'a LOGOUT\r\n');
    assert.match(r.out, /subject=.*CN\s*=\s*mail\.otro\.test/);
    const caFile = join(srv.dir, 'ca.crt');
    writeFileSync(caFile, ca.pem);
    const verified = await run('openssl', ['s_client', '-connect', `127.0.0.1:${ports.smtp}`, '-servername', 'mail.aula.test', '-CAfile', caFile, '-verify_return_error', '-verify_hostname', 'mail.aula.test'], 'QUIT\r\n');
    assert.match(verified.out, /Verify return code: 0 \(ok\)/, verified.out + verified.err);
  } finally {
    await srv.close();
  }
});

test('STARTTLS (SMTP 587, IMAP 143, POP3 110) chooses by SNI too', async () => {
  const srv = await startServer();
  try {
    const other = await srv.call<CertificateInfo>('certificates', 'generateSelfSigned', { name: 'otro', commonName: 'mail.otro.test' });
    const cases: Array<[number, string | null, string, RegExp]> = [
      [srv.submissionPort, 'EHLO cliente.test', 'STARTTLS', /^220 /],
      [srv.imapPort, null, 'b STARTTLS', /^b OK/],
      [srv.pop3Port, null, 'STLS', /^\+OK/],
    ];
    for (const [port, hello, starttls, ok] of cases) {
      const c = await LineClient.open(port);
      await c.reply();
      if (hello) await c.cmd(hello);
      assert.match((await c.cmd(starttls)).text, ok);
      const t = await c.startTls('mail.otro.test');
      assert.equal(t.getPeerCertificate().fingerprint256, other.fingerprint256, starttls);
      c.close();
    }
  } finally {
    await srv.close();
  }
});

test('renewing a certificate while a session is open: that session goes on, the next connection gets the new one', async () => {
  const srv = await startServer();
  try {
    const cert = await srv.call<CertificateInfo>('certificates', 'generateSelfSigned', { name: 'aula', commonName: 'mail.aula.test' });
    const ports = await implicitPorts(srv, cert.id);
    const before = await handshake(ports.imap);
    assert.equal(before.cert.fingerprint256, cert.fingerprint256);
    const renewed = await srv.call<CertificateInfo>('certificates', 'generateSelfSigned', { name: 'aula', commonName: 'mail.aula.test', replaceId: cert.id });
    assert.equal(renewed.id, cert.id, 'renewed in place: the ports keep it');
    assert.notEqual(renewed.fingerprint256, cert.fingerprint256);
    // The open session still answers.
    const answer = new Promise<string>((resolve) => before.socket.once('data', (d: Buffer) => resolve(d.toString())));
    before.socket.write('a NOOP\r\n');
    assert.match(await answer, /^a OK/m);
    for (const port of Object.values(ports)) {
      const after = await handshake(port);
      assert.equal(after.cert.fingerprint256, renewed.fingerprint256);
      after.socket.destroy();
    }
    before.socket.destroy();
    // The same for TLS settings: TLS 1.3 only applies to the next handshake, without a restart.
    await srv.call('settings', 'set', { key: 'tls.minVersion', value: 'TLSv1.3' });
    await assert.rejects(handshake(ports.pop3, { maxVersion: 'TLSv1.2' }), /version|protocol/i);
    const v13 = await handshake(ports.pop3);
    assert.equal(v13.socket.getProtocol(), 'TLSv1.3');
    v13.socket.destroy();
  } finally {
    await srv.close();
  }
});

test('import: PEM with chain and an encrypted key, and PFX, made by openssl; bad imports are refused with the reason', async () => {
  const tmp = tempDir();
  const srv = await startServer();
  try {
    const d = tmp.path;
    const f = (n: string) => join(d, n);
    const ok = async (args: string[]) => {
      const r = await run('openssl', args);
      assert.equal(r.code, 0, `openssl ${args.join(' ')}: ${r.err}`);
    };
    // A root CA, and a server certificate it signs (with SANs), as a real CA would issue.
    await ok(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '30', '-subj', '/CN=Aula Test CA']);
    await ok(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=mail.aula.test']);
    writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:mail.aula.test,DNS:imap.aula.test\nextendedKeyUsage=serverAuth\n');
    await ok(['x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.crt'), '-days', '20', '-extfile', f('ext.cnf')]);
    await ok(['pkcs8', '-topk8', '-in', f('srv.key'), '-out', f('srv.enc.key'), '-v2', 'aes-256-cbc', '-passout', 'pass:clave-del-aula']);
    await ok(['pkcs12', '-export', '-in', f('srv.crt'), '-inkey', f('srv.key'), '-certfile', f('ca.crt'), '-out', f('srv.pfx'), '-passout', 'pass:pfx-clave']);
    const certPem = readFileSync(f('srv.crt'), 'utf8') + readFileSync(f('ca.crt'), 'utf8');
    const encKey = readFileSync(f('srv.enc.key'), 'utf8');

    await assert.rejects(srv.call('certificates', 'import', { name: 'x', certPem, keyPem: encKey }), /encrypted/);
    await assert.rejects(srv.call('certificates', 'import', { name: 'x', certPem, keyPem: encKey, passphrase: 'mala' }), /passphrase|password/i);
    await assert.rejects(srv.call('certificates', 'import', { name: 'x', certPem, keyPem: readFileSync(f('ca.key'), 'utf8') }), /does not belong/);
    await assert.rejects(srv.call('certificates', 'import', { name: 'x', pfxBase64: readFileSync(f('srv.pfx')).toString('base64'), passphrase: 'mala' }), /passphrase|password/i);

    const pem = await srv.call<{ certificate: CertificateInfo; warnings: string[] }>('certificates', 'import', { name: 'pem', certPem, keyPem: encKey, passphrase: 'clave-del-aula' });
    assert.equal(pem.certificate.fingerprint256, fingerprint(readFileSync(f('srv.crt'), 'utf8')));
    assert.equal(pem.certificate.hasChain, true);
    assert.ok(pem.warnings.some((w) => /expires in (19|20) days/.test(w)), pem.warnings.join('; '));
    const detail = await srv.call<CertificateDetail>('certificates', 'get', { id: pem.certificate.id });
    assert.equal(fingerprint(detail.chainPem), fingerprint(readFileSync(f('ca.crt'), 'utf8')));
    const stored = (srv.host.db.prepare('SELECT key_pem FROM certificates WHERE id = ?').get(pem.certificate.id) as { key_pem: string }).key_pem;
    assert.match(stored, /^enc:v1:/, 'the private key is sealed at rest');

    const pfx = await srv.call<{ certificate: CertificateInfo }>('certificates', 'import', { name: 'pfx', pfxBase64: readFileSync(f('srv.pfx')).toString('base64'), passphrase: 'pfx-clave' });
    assert.equal(pfx.certificate.fingerprint256, pem.certificate.fingerprint256);

    // Served with its chain: openssl verifies it against the CA file alone.
    const ports = await implicitPorts(srv, pfx.certificate.id);
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${ports.pop3}`, '-servername', 'imap.aula.test', '-CAfile', f('ca.crt'), '-verify_return_error'], 'QUIT\r\n');
    assert.match(r.out, /Verify return code: 0 \(ok\)/, r.out + r.err);
    assert.match(r.out, /Certificate chain[\s\S]*1 s:.*CN\s*=\s*Aula Test CA/, 'the chain is sent');
  } finally {
    await srv.close();
    tmp.remove();
  }
});

test('TLS settings are checked before they apply: a cipher list OpenSSL refuses is a field error, and TLS keeps working', async () => {
  const srv = await startServer();
  try {
    const ports = await implicitPorts(srv, null);
    // By default no CBC and no static-RSA suites in TLS 1.2 (what testssl.sh calls obsolete).
    await assert.rejects(handshake(ports.imap, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256:AES128-GCM-SHA256' }), /handshake failure|no shared cipher|alert/i);
    const chacha = await handshake(ports.imap, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' });
    assert.equal(chacha.socket.getCipher().name, 'ECDHE-RSA-CHACHA20-POLY1305');
    chacha.socket.destroy();
    // No client-initiated renegotiation (testssl.sh calls it a DoS threat), on any protocol.
    for (const port of Object.values(ports)) {
      const h = await handshake(port, { maxVersion: 'TLSv1.2' });
      h.socket.on('error', () => undefined);
      // Refused: an error, a closed connection, or no new handshake at all (OpenSSL's
      // no_renegotiation warning leaves the client waiting); a renegotiation that completes fails.
      const refused = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), 3000);
        const ok = h.socket.renegotiate({ rejectUnauthorized: false }, (err) => {
          clearTimeout(timer);
          resolve(err !== null);
        });
        if (!ok) resolve(true);
        h.socket.once('close', () => resolve(true));
      });
      assert.ok(refused, `renegotiation refused on ${port}`);
      h.socket.destroy();
    }
    await assert.rejects(srv.call('settings', 'set', { key: 'tls.ciphers', value: 'NOT-A-CIPHER' }), /tls\.ciphers: OpenSSL does not accept/);
    await srv.call('settings', 'set', { key: 'tls.ciphers', value: 'ECDHE+AESGCM' });
    const h = await handshake(ports.smtp, { maxVersion: 'TLSv1.2' });
    assert.match(h.socket.getCipher().name, /GCM/);
    h.socket.destroy();
  } finally {
    await srv.close();
  }
});

test('a certificate generated without names gets the host name and its smtp./imap./pop. siblings', async () => {
  const srv = await startServer();
  try {
    const c = await srv.call<CertificateInfo>('certificates', 'generateSelfSigned', { name: 'auto', commonName: 'mail.aula.test' });
    assert.deepEqual([...c.names].sort(), ['imap.aula.test', 'mail.aula.test', 'pop.aula.test', 'smtp.aula.test']);
  } finally {
    await srv.close();
  }
});
