// The certificate library behind the "SSL certificates" node: a local CA and the server
// certificates it signs, reading PEM bundles (any order, chains, PKCS#1/PKCS#8/SEC1, encrypted
// keys) and PKCS#12 files made by OpenSSL, exporting PKCS#12, the warnings, SNI name matching and
// the default names. Fixtures come from the openssl CLI (in a temp dir) and from node:crypto, so
// the library is checked against what administrators actually paste.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CertificateError,
  checkCertificate,
  defaultNames,
  describeCertificate,
  exportPfx,
  generateLocalCa,
  generateSelfSigned,
  generateSignedBy,
  inspect,
  nameMatches,
  parsePemBundle,
  parsePemParts,
  parsePfx,
  type CertificateField,
  type CertificateParts,
} from '../../../src-main/security/tls/certificates';
import { tempDir } from '../../helpers/temp-dir';

const DAY_MS = 86_400_000;

const isCertificateError = (field: CertificateField, pattern?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof CertificateError, `expected a CertificateError, got ${String(e)}`);
  assert.equal(e.name, 'CertificateError');
  assert.equal(e.field, field, `field of "${e.message}"`);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

const norm = (pem: string): string => new X509Certificate(pem).toString();
const chainOf = (pem: string): string[] => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []).map(norm);
const spki = (keyPem: string): string => createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' }).toString('base64');

/** The key came back as unencrypted PKCS#8 and is the same key. */
function assertSameKey(parts: CertificateParts, originalKeyPem: string, passphrase?: string): void {
  assert.match(parts.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.doesNotMatch(parts.keyPem, /ENCRYPTED|RSA PRIVATE|EC PRIVATE/);
  const original = createPrivateKey(passphrase === undefined ? originalKeyPem : { key: originalKeyPem, passphrase });
  assert.equal(spki(parts.keyPem), original.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
  assert.ok(new X509Certificate(parts.certPem).checkPrivateKey(createPrivateKey(parts.keyPem)));
}

// ---------------------------------------------------------------------------------------------
// OpenSSL fixtures
// ---------------------------------------------------------------------------------------------

const dir = tempDir('buzon-certs-');
const f = (name: string): string => join(dir.path, name);
const read = (name: string): string => readFileSync(f(name), 'utf8');

/** Runs openssl in the temp dir; its stdout then stderr (`pkcs12 -info` prints there). */
function openssl(...args: string[]): string {
  const r = spawnSync('openssl', args, { cwd: dir.path, encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout + r.stderr;
}

before(() => {
  // A self-signed RSA certificate with a PKCS#8 key, and that key as PKCS#1, legacy-encrypted PKCS#1, encrypted PKCS#8.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.crt', '-subj', '/CN=mail.example.test', '-addext', 'subjectAltName=DNS:mail.example.test,DNS:*.example.test', '-days', '90');
  openssl('rsa', '-in', 'rsa.key', '-traditional', '-out', 'rsa-pkcs1.key');
  openssl('rsa', '-in', 'rsa.key', '-traditional', '-aes256', '-passout', 'pass:legacy-pw', '-out', 'rsa-legacy.key');
  openssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'rsa.key', '-passout', 'pass:s3cret', '-out', 'rsa-enc.key');
  // EC P-256: PKCS#8 from genpkey, SEC1 from `openssl ec`.
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.key');
  openssl('ec', '-in', 'ec.key', '-out', 'ec-sec1.key');
  openssl('req', '-x509', '-key', 'ec.key', '-out', 'ec.crt', '-subj', '/CN=ec.example.test', '-addext', 'subjectAltName=DNS:ec.example.test', '-days', '90');
  // root CA → intermediate CA → leaf.
  writeFileSync(f('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  writeFileSync(f('leaf.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:smtp.chain.test\nauthorityKeyIdentifier=keyid\n');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=Test Root CA', '-days', '365', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'inter.key', '-out', 'inter.csr', '-subj', '/CN=Test Intermediate CA');
  openssl('x509', '-req', '-in', 'inter.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'inter.crt', '-days', '300', '-extfile', 'ca.ext');
  openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=smtp.chain.test');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'inter.crt', '-CAkey', 'inter.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '200', '-extfile', 'leaf.ext');
  writeFileSync(f('chain.crt'), read('inter.crt') + read('root.crt'));
  // PKCS#12 files: OpenSSL 3's default (PBES2/AES-256-CBC, SHA-256 MAC), legacy (RC2/3DES, SHA-1 MAC), EC, no key, non-ASCII password.
  openssl('pkcs12', '-export', '-in', 'leaf.crt', '-inkey', 'leaf.key', '-certfile', 'chain.crt', '-passout', 'pass:pfx-pw', '-out', 'leaf.p12');
  openssl('pkcs12', '-export', '-legacy', '-in', 'leaf.crt', '-inkey', 'leaf.key', '-certfile', 'chain.crt', '-passout', 'pass:pfx-pw', '-out', 'leaf-legacy.p12');
  openssl('pkcs12', '-export', '-in', 'ec.crt', '-inkey', 'ec.key', '-passout', 'pass:pfx-pw', '-out', 'ec.p12');
  openssl('pkcs12', '-export', '-nokeys', '-in', 'leaf.crt', '-passout', 'pass:pfx-pw', '-out', 'nokey.p12');
  openssl('pkcs12', '-export', '-in', 'rsa.crt', '-inkey', 'rsa.key', '-passout', 'pass:contraseña', '-out', 'utf8.p12');
  // A weak one: RSA 1024 signed with SHA-1.
  openssl('req', '-x509', '-newkey', 'rsa:1024', '-sha1', '-nodes', '-keyout', 'weak.key', '-out', 'weak.crt', '-subj', '/CN=weak.example.test', '-days', '90');
});

after(() => dir.remove());

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

describe('local CA and the certificates it signs', () => {
  const now = new Date();
  const ca = generateLocalCa({ commonName: 'Buzón Local CA', now });
  const leaf = generateSignedBy(ca, { commonName: 'mail.aula.test', altNames: [...defaultNames('mail.aula.test'), '127.0.0.1'], now });

  test('the CA is a 10-year RSA 2048 CA with a positive serial, self-signed', () => {
    const x = new X509Certificate(ca.certPem);
    const i = inspect(ca.certPem);
    assert.equal(x.ca, true);
    assert.equal(i.isCa, true);
    assert.equal(i.selfSigned, true);
    assert.equal(i.keyType, 'rsa');
    assert.equal(i.keyBits, 2048);
    assert.equal(i.signatureAlgorithm, 'sha256WithRSAEncryption');
    assert.equal(i.commonName, 'Buzón Local CA');
    assert.deepEqual(i.names, [], 'a CN with spaces is no host name');
    assert.ok(parseInt(i.serial.slice(0, 2), 16) < 0x80, `serial ${i.serial} is positive`);
    const years = (Date.parse(i.notAfter) - now.getTime()) / DAY_MS / 365;
    assert.ok(years > 9.9 && years < 10.1, `valid ${years} years`);
    assert.ok(x.verify(x.publicKey));
  });

  test('OpenSSL sees the CA extensions and accepts the leaf for TLS servers', () => {
    writeFileSync(f('gen-ca.crt'), ca.certPem);
    writeFileSync(f('gen-leaf.crt'), leaf.certPem);
    const caExt = openssl('x509', '-in', 'gen-ca.crt', '-noout', '-ext', 'basicConstraints,keyUsage');
    assert.match(caExt, /critical/);
    assert.match(caExt, /CA:TRUE/);
    assert.match(caExt, /Certificate Sign, CRL Sign/);
    const leafExt = openssl('x509', '-in', 'gen-leaf.crt', '-noout', '-ext', 'extendedKeyUsage,authorityKeyIdentifier,basicConstraints');
    assert.match(leafExt, /TLS Web Server Authentication/);
    assert.match(leafExt, /CA:FALSE/);
    const caSki = openssl('x509', '-in', 'gen-ca.crt', '-noout', '-ext', 'subjectKeyIdentifier').split('\n')[1]?.trim();
    assert.ok(caSki && leafExt.includes(caSki), `authorityKeyIdentifier ${leafExt} names the CA's ${caSki}`);
    assert.match(openssl('verify', '-purpose', 'sslserver', '-CAfile', 'gen-ca.crt', 'gen-leaf.crt'), /gen-leaf\.crt: OK/);
  });

  test('the leaf is issued by the CA, carries the SANs and is not a CA', () => {
    const caX = new X509Certificate(ca.certPem);
    const x = new X509Certificate(leaf.certPem);
    assert.equal(x.verify(caX.publicKey), true);
    assert.equal(x.checkIssued(caX), true);
    assert.equal(x.verify(x.publicKey), false);
    assert.equal(x.ca, false);
    assert.equal(x.checkPrivateKey(createPrivateKey(leaf.keyPem)), true);
    assert.equal(norm(leaf.chainPem), norm(ca.certPem));
    assert.equal(x.subjectAltName, 'DNS:mail.aula.test, DNS:smtp.aula.test, DNS:imap.aula.test, DNS:pop.aula.test, IP Address:127.0.0.1');
    const i = inspect(leaf.certPem, leaf.chainPem);
    assert.equal(i.isCa, false);
    assert.equal(i.selfSigned, false);
    assert.equal(i.issuer, 'CN=Buzón Local CA, O=Buzón mail server');
    assert.deepEqual(i.altNames, ['mail.aula.test', 'smtp.aula.test', 'imap.aula.test', 'pop.aula.test', '127.0.0.1']);
    assert.deepEqual(i.names, ['mail.aula.test', 'smtp.aula.test', 'imap.aula.test', 'pop.aula.test']);
    assert.equal(i.chain.length, 1);
    assert.equal(i.chain[0]?.isCa, true);
    assert.equal(i.chain[0]?.commonName, 'Buzón Local CA');
    const days = (Date.parse(i.notAfter) - now.getTime()) / DAY_MS;
    assert.ok(Math.abs(days - 825) < 0.01, `valid ${days} days`);
  });

  test('a leaf never outlives its CA, and only a CA can sign', () => {
    const shortCa = generateLocalCa({ commonName: 'Short CA', days: 30, now });
    const l = generateSignedBy(shortCa, { commonName: 'x.test', now });
    assert.equal(inspect(l.certPem).notAfter, inspect(shortCa.certPem).notAfter);
    const notCa = generateSelfSigned({ commonName: 'plain.test', now });
    assert.throws(() => generateSignedBy(notCa, { commonName: 'x.test' }), isCertificateError('cert', /not a certificate authority/));
    const wrongKey = { certPem: ca.certPem, keyPem: shortCa.keyPem };
    assert.throws(() => generateSignedBy(wrongKey, { commonName: 'x.test' }), isCertificateError('key', /does not belong/));
  });

  test('generateSelfSigned and describeCertificate keep their shape for current callers', () => {
    const g = generateSelfSigned({ commonName: 'localhost', altNames: ['127.0.0.1', '::1'], days: 5, now });
    const d = describeCertificate(7, 'default', g.certPem);
    assert.deepEqual(Object.keys(d).sort(), ['altNames', 'fingerprint256', 'id', 'issuer', 'name', 'notAfter', 'notBefore', 'selfSigned', 'subject']);
    assert.equal(d.id, 7);
    assert.equal(d.name, 'default');
    assert.equal(d.subject, 'CN=localhost, O=Buzón mail server');
    assert.equal(d.issuer, d.subject);
    assert.equal(d.selfSigned, true);
    assert.equal(d.altNames[0], 'localhost');
    assert.equal(d.altNames[1], '127.0.0.1');
    assert.equal(d.altNames.length, 3, `IPv6 SAN in ${d.altNames.join(' ')}`);
    assert.equal(d.fingerprint256, new X509Certificate(g.certPem).fingerprint256);
    assert.equal(d.notBefore, new Date(new X509Certificate(g.certPem).validFrom).toISOString());
    assert.ok(Date.parse(d.notAfter) - now.getTime() < 5 * DAY_MS + 1000);
  });
});

// ---------------------------------------------------------------------------------------------
// PEM
// ---------------------------------------------------------------------------------------------

describe('parsePemBundle / parsePemParts', () => {
  test('key first, certificate first, separate key: the same normal form', () => {
    const cert = read('rsa.crt');
    const key = read('rsa.key');
    for (const parts of [parsePemBundle(key + cert), parsePemBundle(cert + key), parsePemParts(cert, key), parsePemBundle(`junk before\r\n${cert.replace(/\n/g, '\r\n')}\nbetween\n${key}after`)]) {
      assert.equal(parts.certPem, norm(cert));
      assert.equal(parts.chainPem, '');
      assertSameKey(parts, key);
    }
  });

  test('a chain in any order comes out leaf, then intermediate, then root', () => {
    const expected = [norm(read('inter.crt')), norm(read('root.crt'))];
    const scrambled = read('root.crt') + read('leaf.key') + read('leaf.crt') + read('inter.crt');
    const a = parsePemBundle(scrambled);
    assert.equal(a.certPem, norm(read('leaf.crt')));
    assert.deepEqual(chainOf(a.chainPem), expected);
    assertSameKey(a, read('leaf.key'));
    // Chain certificates before the leaf, key apart, the leaf pasted twice.
    const b = parsePemParts(read('root.crt') + read('inter.crt') + read('leaf.crt') + read('leaf.crt'), read('leaf.key'));
    assert.equal(b.certPem, norm(read('leaf.crt')));
    assert.deepEqual(chainOf(b.chainPem), expected);
    // The intermediate alone with its key (a CA imported to sign with): fine, the root as its chain.
    const c = parsePemBundle(read('root.crt') + read('inter.crt') + read('inter.key'));
    assert.equal(c.certPem, norm(read('inter.crt')));
    assert.deepEqual(chainOf(c.chainPem), [norm(read('root.crt'))]);
    // …but the issuer's key pasted with the certificate it issued is a mistake.
    assert.throws(() => parsePemBundle(read('leaf.crt') + read('inter.crt') + read('root.crt') + read('inter.key')), isCertificateError('key', /does not belong to the certificate: it is the key of "Test Intermediate CA", which issued it/));
    assert.throws(() => parsePemParts(read('leaf.crt') + read('inter.crt') + read('root.crt'), read('root.key')), isCertificateError('key', /does not belong.*"Test Root CA"/));
    assert.throws(() => parsePemParts(read('leaf.crt') + read('inter.crt'), read('root.key')), isCertificateError('key', /^the private key does not belong to the certificate$/));
  });

  test('PKCS#1 RSA and SEC1 / PKCS#8 EC keys, from openssl and node:crypto', () => {
    const pkcs1 = read('rsa-pkcs1.key');
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    assertSameKey(parsePemParts(read('rsa.crt'), pkcs1), pkcs1);
    const sec1 = read('ec-sec1.key');
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    const ec = parsePemBundle(sec1 + read('ec.crt'));
    assertSameKey(ec, sec1);
    assertSameKey(parsePemBundle(read('ec.crt') + read('ec.key')), read('ec.key'));
    // node:crypto's own SEC1 and PKCS#1 exports, with `openssl ecparam`-style EC PARAMETERS noise.
    const nodeSec1 = createPrivateKey(read('ec.key')).export({ type: 'sec1', format: 'pem' }).toString();
    assertSameKey(parsePemBundle(`-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${nodeSec1}${read('ec.crt')}`), nodeSec1);
    const nodePkcs1 = createPrivateKey(read('rsa.key')).export({ type: 'pkcs1', format: 'pem' }).toString();
    assertSameKey(parsePemParts(read('rsa.crt'), nodePkcs1), nodePkcs1);
    const i = inspect(ec.certPem);
    assert.equal(i.keyType, 'ec');
    assert.equal(i.keyBits, 256);
    assert.equal(i.curve, 'prime256v1');
    assert.equal(i.signatureAlgorithm, 'ecdsa-with-SHA256');
    assert.deepEqual(i.names, ['ec.example.test']);
  });

  test('encrypted PKCS#8 and legacy encrypted PEM need the passphrase, and the right one', () => {
    const cert = read('rsa.crt');
    const enc = read('rsa-enc.key');
    assert.match(enc, /BEGIN ENCRYPTED PRIVATE KEY/);
    assertSameKey(parsePemParts(cert, enc, 's3cret'), enc, 's3cret');
    assertSameKey(parsePemBundle(enc + cert, 's3cret'), enc, 's3cret');
    assert.throws(() => parsePemParts(cert, enc), isCertificateError('passphrase', /^the private key is encrypted: give its passphrase$/));
    assert.throws(() => parsePemParts(cert, enc, ''), isCertificateError('passphrase', /encrypted: give its passphrase/));
    assert.throws(() => parsePemParts(cert, enc, 'wrong'), isCertificateError('passphrase', /wrong passphrase/));
    const legacy = read('rsa-legacy.key');
    assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
    assertSameKey(parsePemParts(cert, legacy, 'legacy-pw'), legacy, 'legacy-pw');
    assert.throws(() => parsePemParts(cert, legacy), isCertificateError('passphrase', /encrypted: give its passphrase/));
    assert.throws(() => parsePemParts(cert, legacy, 'nope'), isCertificateError('passphrase'));
    // A passphrase given for a clear key is ignored.
    assertSameKey(parsePemParts(cert, read('rsa.key'), 'unused'), read('rsa.key'));
  });

  test('a key that belongs to no certificate, and missing parts', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => parsePemParts(read('rsa.crt'), other), isCertificateError('key', /^the private key does not belong to the certificate$/));
    assert.throws(() => parsePemParts(read('rsa.crt'), read('ec.key')), isCertificateError('key', /does not belong/));
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => parsePemBundle(read('leaf.crt') + read('inter.crt') + ed), isCertificateError('key', /does not belong/));
    assert.throws(() => parsePemBundle(read('rsa.key')), isCertificateError('cert', /no certificate found/));
    assert.throws(() => parsePemBundle(''), isCertificateError('cert', /no certificate found/));
    assert.throws(() => parsePemBundle(read('rsa.crt')), isCertificateError('key', /no private key found/));
    assert.throws(() => parsePemParts(read('rsa.crt'), 'not a key'), isCertificateError('key', /no private key found/));
    assert.throws(() => parsePemParts('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', read('rsa.key')), isCertificateError('cert', /could not be read/));
    assert.throws(() => parsePemParts(read('rsa.crt'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), isCertificateError('key', /could not be read/));
  });
});

// ---------------------------------------------------------------------------------------------
// PKCS#12
// ---------------------------------------------------------------------------------------------

describe('PKCS#12', () => {
  const pfx = (name: string): Buffer => readFileSync(f(name));

  test('OpenSSL 3 default and -legacy files open with the password, chain ordered', () => {
    for (const name of ['leaf.p12', 'leaf-legacy.p12']) {
      const p = parsePfx(pfx(name), 'pfx-pw');
      assert.equal(p.certPem, norm(read('leaf.crt')), name);
      assert.deepEqual(chainOf(p.chainPem), [norm(read('inter.crt')), norm(read('root.crt'))], name);
      assertSameKey(p, read('leaf.key'));
    }
    assert.match(openssl('pkcs12', '-in', 'leaf.p12', '-passin', 'pass:pfx-pw', '-info', '-noout'), /PBES2, PBKDF2, AES-256-CBC/);
  });

  test('an EC file, and a non-ASCII password (UTF-8 for PBES2, BMPString for the MAC)', () => {
    const ec = parsePfx(pfx('ec.p12'), 'pfx-pw');
    assert.equal(ec.certPem, norm(read('ec.crt')));
    assertSameKey(ec, read('ec.key'));
    const u = parsePfx(pfx('utf8.p12'), 'contraseña');
    assert.equal(u.certPem, norm(read('rsa.crt')));
    assertSameKey(u, read('rsa.key'));
    assert.throws(() => parsePfx(pfx('utf8.p12'), 'contrasena'), isCertificateError('passphrase'));
  });

  test('wrong password, no key, not a PKCS#12 file', () => {
    assert.throws(() => parsePfx(pfx('leaf.p12'), 'wrong'), isCertificateError('passphrase', /wrong password/));
    assert.throws(() => parsePfx(pfx('leaf-legacy.p12'), ''), isCertificateError('passphrase'));
    assert.throws(() => parsePfx(pfx('nokey.p12'), 'pfx-pw'), isCertificateError('key', /no private key/));
    assert.throws(() => parsePfx(Buffer.from(read('rsa.crt')), 'pfx-pw'), isCertificateError('cert', /not a PKCS#12/));
  });

  test('exportPfx round-trips through parsePfx and opens in OpenSSL', () => {
    const ca = generateLocalCa({ commonName: 'Round Trip CA' });
    const leaf = generateSignedBy(ca, { commonName: 'rt.example.test' });
    const data = exportPfx(leaf.certPem, leaf.keyPem, leaf.chainPem, 'export-pw');
    const back = parsePfx(data, 'export-pw');
    assert.equal(back.certPem, norm(leaf.certPem));
    assert.deepEqual(chainOf(back.chainPem), [norm(ca.certPem)]);
    assertSameKey(back, leaf.keyPem);
    assert.throws(() => parsePfx(data, 'export-PW'), isCertificateError('passphrase'));
    writeFileSync(f('exported.p12'), data);
    const info = openssl('pkcs12', '-in', 'exported.p12', '-passin', 'pass:export-pw', '-nodes', '-info');
    assert.equal((info.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    assert.match(info, /BEGIN PRIVATE KEY/);
    const badPw = spawnSync('openssl', ['pkcs12', '-in', 'exported.p12', '-passin', 'pass:nope', '-nodes', '-noout'], { cwd: dir.path });
    assert.notEqual(badPw.status, 0, 'OpenSSL checks the MAC too');
  });

  test('exportPfx with an EC key and a non-ASCII password; a mismatched key is refused', () => {
    const data = exportPfx(read('ec.crt'), read('ec.key'), '', 'clé-ñ');
    const back = parsePfx(data, 'clé-ñ');
    assert.equal(back.certPem, norm(read('ec.crt')));
    assert.equal(back.chainPem, '');
    assertSameKey(back, read('ec.key'));
    writeFileSync(f('exported-ec.p12'), data);
    assert.match(openssl('pkcs12', '-in', 'exported-ec.p12', '-passin', 'pass:clé-ñ', '-nodes'), /BEGIN PRIVATE KEY/);
    assert.throws(() => exportPfx(read('ec.crt'), read('rsa.key'), '', 'x'), isCertificateError('key', /does not belong/));
  });
});

// ---------------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------------

describe('checkCertificate', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const ca = generateLocalCa({ commonName: 'Warn CA', now: new Date('2025-01-01T00:00:00Z') });

  test('a fresh CA-issued RSA 2048 SHA-256 certificate: nothing to say', () => {
    const c = generateSignedBy(ca, { commonName: 'ok.test', now });
    assert.deepEqual(checkCertificate(c.certPem, now).warnings, []);
  });

  test('expired', () => {
    const c = generateSignedBy(ca, { commonName: 'old.test', days: 1, now: new Date('2025-06-01T08:00:00Z') });
    const w = checkCertificate(c.certPem, now).warnings;
    assert.ok(w.includes('expired on 2025-06-02'), w.join(' | '));
    assert.ok(!w.some((s) => /expires in/.test(s)));
    const s = generateSelfSigned({ commonName: 'old-self.test', days: 1, now: new Date('2020-01-01T00:00:00Z') });
    assert.deepEqual(checkCertificate(s.certPem, now).warnings.slice(0, 1), ['expired on 2020-01-02']);
  });

  test('expiring within 30 days, and not yet valid', () => {
    const c = generateSignedBy(ca, { commonName: 'soon.test', days: 10, now });
    const w = checkCertificate(c.certPem, now).warnings;
    assert.equal(w.length, 1, w.join(' | '));
    assert.match(w[0] ?? '', /^expires in 10 days \(2026-03-20\)$/);
    assert.match(checkCertificate(c.certPem, new Date(now.getTime() + 9.5 * DAY_MS)).warnings[0] ?? '', /^expires in less than a day /);
    assert.deepEqual(checkCertificate(c.certPem, new Date(now.getTime() - 20 * DAY_MS)).warnings, ['not yet valid: valid from 2026-03-10']);
    const d31 = generateSignedBy(ca, { commonName: 'later.test', days: 31, now });
    assert.deepEqual(checkCertificate(d31.certPem, now).warnings, []);
  });

  test('self-signed, RSA below 2048 bits, SHA-1', () => {
    const self = generateSelfSigned({ commonName: 'self.test', now });
    assert.deepEqual(checkCertificate(self.certPem, now).warnings, ['self-signed: mail clients will not trust it unless told to']);
    const w = checkCertificate(read('weak.crt'), new Date()).warnings;
    assert.ok(w.some((s) => /self-signed/.test(s)), w.join(' | '));
    assert.ok(w.includes('the RSA key has only 1024 bits: use 2048 or more'), w.join(' | '));
    assert.ok(w.includes('signed with SHA-1, which clients no longer accept'), w.join(' | '));
    assert.equal(inspect(read('weak.crt')).keyBits, 1024);
    assert.equal(inspect(read('weak.crt')).signatureAlgorithm, 'sha1WithRSAEncryption');
    assert.ok(!checkCertificate(read('ec.crt'), new Date()).warnings.some((s) => /RSA|SHA-1/.test(s)));
  });
});

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

describe('names', () => {
  test('inspect lists CN and DNS SANs for SNI, lower-case, wildcard kept', () => {
    const i = inspect(read('rsa.crt'));
    assert.equal(i.commonName, 'mail.example.test');
    assert.deepEqual(i.altNames, ['mail.example.test', '*.example.test']);
    assert.deepEqual(i.names, ['mail.example.test', '*.example.test']);
    const g = generateSelfSigned({ commonName: 'MAIL.Example.TEST', altNames: ['Smtp.Example.Test', '10.0.0.1'] });
    assert.deepEqual(inspect(g.certPem).names, ['mail.example.test', 'smtp.example.test']);
  });

  test('nameMatches follows RFC 6125', () => {
    const table: Array<[string, string, boolean]> = [
      ['mail.example.com', 'mail.example.com', true],
      ['Mail.Example.COM', 'mail.EXAMPLE.com', true],
      ['mail.example.com', 'mail.example.com.', true],
      ['mail.example.com', 'smtp.example.com', false],
      ['mail.example.com', 'example.com', false],
      ['*.example.com', 'a.example.com', true],
      ['*.example.com', 'A.EXAMPLE.COM', true],
      ['*.EXAMPLE.com', 'imap.example.com', true],
      ['*.example.com', 'example.com', false],
      ['*.example.com', 'a.b.example.com', false],
      ['*.example.com', '.example.com', false],
      ['*.example.com', 'a.example.org', false],
      ['*.example.com', 'aexample.com', false],
      ['a.*.example.com', 'a.b.example.com', false],
      ['f*.example.com', 'foo.example.com', false],
      ['*o.example.com', 'foo.example.com', false],
      ['**.example.com', 'a.example.com', false],
      ['*.com', 'example.com', false],
      ['*', 'localhost', false],
      ['*.example.com', '*.example.com', false],
      ['', '', false],
      ['localhost', 'localhost', true],
    ];
    for (const [pattern, name, expected] of table) assert.equal(nameMatches(pattern, name), expected, `${pattern} vs ${name}`);
  });

  test('defaultNames', () => {
    assert.deepEqual(defaultNames('mail.aula.test'), ['mail.aula.test', 'smtp.aula.test', 'imap.aula.test', 'pop.aula.test']);
    assert.deepEqual(defaultNames('MX1.Mail.Example.ORG.'), ['mx1.mail.example.org', 'smtp.mail.example.org', 'imap.mail.example.org', 'pop.mail.example.org']);
    assert.deepEqual(defaultNames('smtp.aula.test'), ['smtp.aula.test', 'imap.aula.test', 'pop.aula.test']);
    assert.deepEqual(defaultNames('aula.test'), ['aula.test', 'smtp.aula.test', 'imap.aula.test', 'pop.aula.test']);
    assert.deepEqual(defaultNames('localhost'), ['localhost']);
    assert.deepEqual(defaultNames('192.168.1.10'), ['192.168.1.10']);
    assert.deepEqual(defaultNames('  '), []);
  });
});
