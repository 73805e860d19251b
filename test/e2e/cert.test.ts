// `buzon cert` end to end, as a teacher uses it: a certificate from the local CA, the CA exported
// for the students' machines, a PFX imported, assigned to the IMAP/TLS port of a running server and
// renewed from another process while a client is connected: the client goes on, the next
// connection sees the new certificate, and no listener was restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { tempDir } from '../helpers/temp-dir';
import { buzonOk, runBuzon, startServe } from '../helpers/buzon-process';
import { generateSelfSigned, exportPfx } from '../../src-main/security/tls/certificates';

type Json = Record<string, unknown>;

function connectTls(port: number, servername: string, ca?: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: ca !== undefined, ...(ca ? { ca } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
}

test('cert generate --local-ca / export --ca / import --pfx / port assignment / renew with --replace while serve runs', async () => {
  const tmp = tempDir('buzon-e2e-cert-');
  const dir = tmp.path;
  try {
    await buzonOk(dir, ['domain', 'add', 'aula.test']);
    const gen = JSON.parse(await buzonOk(dir, ['cert', 'generate', 'aula', '--common-name', 'mail.aula.test', '--alt-name', 'imap.aula.test', '--local-ca', '--json'])) as Json;
    assert.equal(gen.hasChain, true);
    const caFile = join(dir, 'aula-ca.crt');
    assert.match(await buzonOk(dir, ['cert', 'export', String(gen.id), '--ca', '--out', caFile]), /written to/);
    const ca = readFileSync(caFile, 'utf8');
    assert.ok(new X509Certificate(ca).ca);

    // A PFX from elsewhere (a school's certificate): imported, with its password.
    const other = generateSelfSigned({ commonName: 'correo.instituto.test' });
    const pfxFile = join(dir, 'instituto.pfx');
    writeFileSync(pfxFile, exportPfx(other.certPem, other.keyPem, '', 'clave'));
    const bad = await runBuzon(dir, ['cert', 'import', 'instituto', '--pfx', pfxFile, '--password', 'mala']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /password|passphrase/i);
    assert.match(await buzonOk(dir, ['cert', 'import', 'instituto', '--pfx', pfxFile, '--password', 'clave']), /correo\.instituto\.test[\s\S]*imported/);

    const list = JSON.parse(await buzonOk(dir, ['cert', 'list', '--json'])) as Json[];
    assert.deepEqual(list.map((c) => c.name).sort(), ['Local CA (mail.aula.test)', 'aula', 'instituto']);
    const shown = await buzonOk(dir, ['cert', 'show', String(gen.id)]);
    assert.match(shown, /names: +mail\.aula\.test, imap\.aula\.test/);
    assert.doesNotMatch(shown, /PRIVATE KEY/);

    // IMAP over TLS (993) with the local-CA certificate.
    const ports = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
    const p993 = ports.find((p) => p.protocol === 'imap' && p.port === 993)!;
    await buzonOk(dir, ['port', 'set', String(p993.id), '--enabled', 'true', '--certificate-id', String(gen.id)]);
    const { serve, listeners } = await startServe(dir, ['--ephemeral-ports']);
    try {
      const imaps = listeners.find((l) => l.configuredPort === 993)!.boundPort!;
      const first = await connectTls(imaps, 'imap.aula.test', ca);
      assert.equal(first.authorized, true, 'trusted through the exported CA');
      const before = first.getPeerCertificate().fingerprint256;

      // Renewed from another process while that client is connected.
      const renewed = JSON.parse(await buzonOk(dir, ['cert', 'generate', 'aula', '--common-name', 'mail.aula.test', '--alt-name', 'imap.aula.test', '--local-ca', '--replace', String(gen.id), '--json'])) as Json;
      assert.equal(renewed.id, gen.id);
      const deadline = Date.now() + 10_000;
      let fp = before;
      while (fp === before && Date.now() < deadline) {
        const s = await connectTls(imaps, 'imap.aula.test', ca);
        fp = s.getPeerCertificate().fingerprint256;
        s.destroy();
        if (fp === before) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(fp, renewed.fingerprint256, 'the next connection sees the renewed certificate');
      const reply = new Promise<string>((resolve) => {
        let buf = '';
        first.on('data', (d: Buffer) => {
          buf += d.toString();
          if (/^a OK/m.test(buf)) resolve(buf);
        });
      });
      first.write('a NOOP\r\n');
      assert.match(await reply, /^a OK/m, 'the connected client goes on');
      first.destroy();
      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    } finally {
      await serve.kill();
    }
  } finally {
    tmp.remove();
  }
});
