// DKIM keys and signing, checked end to end: keys from node:crypto, signatures from our module,
// verification by mailauth's own verifier reading the TXT record that dkimDnsRecord publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { checkDkimKey, dkimDnsRecord, dkimSignature, generateDkimKey, type DkimAlgorithm, type DkimKey } from '../../../src-main/delivery/dkim';

const NOW = new Date('2026-11-25T10:00:00Z');

const subject = 'Reunión del lunes: café y añadidos ☕';
const encodedSubject = `=?UTF-8?B?${Buffer.from(subject, 'utf8').toString('base64')}?=`;

function message(): Buffer {
  return Buffer.from(
    [
      'From: =?UTF-8?Q?Mar=C3=ADa_Pe=C3=B1a?= <maria@aula.test>',
      'To: Jordi <jordi@example.org>, ana@example.net',
      'Sender: secretaria@aula.test',
      'Cc: equipo@aula.test',
      `Subject: ${encodedSubject}`,
      'Date: Wed, 25 Nov 2026 10:00:00 +0000',
      'Message-ID: <20261125100000.abc123@aula.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative;',
      '\tboundary="=_buzon_b1"',
      'X-Mailer: Buzón test',
      '',
      'This is a multi-part message in MIME format.',
      '',
      '--=_buzon_b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Hola a todos,   ',
      '',
      'nos vemos el lunes a las 10 en la sala peque=C3=B1a.',
      '',
      '--=_buzon_b1',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<p>Hola a todos,</p><p>nos vemos el lunes a las 10 en la sala peque=C3=B1a.</p>',
      '',
      '--=_buzon_b1--',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/** A DNS resolver answering only the key's TXT record, the way mailauth calls it: (name, rrtype). */
function resolverFor(key: DkimKey) {
  const rec = dkimDnsRecord(key);
  const chunks = rec.value.match(/.{1,255}/g) ?? [];
  return async (name: string, rrtype: string): Promise<string[][]> => {
    if (rrtype === 'TXT' && name.toLowerCase() === rec.name) return [chunks];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

async function verify(signed: Buffer, key: DkimKey) {
  const res = await dkimVerify(signed, { resolver: resolverFor(key), curTime: NOW });
  assert.equal(res.results.length, 1);
  return res.results[0]!;
}

// Generated once: RSA 2048 key generation takes a moment.
const keys: Record<DkimAlgorithm, DkimKey> = {
  'rsa-sha256': generateDkimKey('aula.test', 'buzon2026'),
  'ed25519-sha256': generateDkimKey('aula.test', 'ed2026', 'ed25519-sha256'),
};

test('generated keys are PEM pairs of the right type and pass checkDkimKey', () => {
  const rsa = keys['rsa-sha256'];
  assert.equal(rsa.algorithm, 'rsa-sha256', 'RSA is the default');
  assert.match(rsa.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.match(rsa.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(keys['ed25519-sha256'].algorithm, 'ed25519-sha256');
  for (const k of Object.values(keys)) checkDkimKey(k);
});

test('the DNS record: name, k= tag, p= as DER SPKI (RSA) or the raw 32 bytes (Ed25519)', () => {
  const rsa = dkimDnsRecord(keys['rsa-sha256']);
  assert.equal(rsa.name, 'buzon2026._domainkey.aula.test');
  assert.equal(rsa.type, 'TXT');
  const m = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(rsa.value);
  assert.ok(m, rsa.value);
  const der = Buffer.from(m[1]!, 'base64');
  assert.equal(der[0], 0x30, 'a DER SEQUENCE');
  assert.ok(der.length > 256, 'a 2048-bit SPKI');

  const ed = dkimDnsRecord(keys['ed25519-sha256']);
  assert.equal(ed.name, 'ed2026._domainkey.aula.test');
  const e = /^v=DKIM1; k=ed25519; p=([A-Za-z0-9+/=]+)$/.exec(ed.value);
  assert.ok(e, ed.value);
  assert.equal(Buffer.from(e[1]!, 'base64').length, 32);
});

test('zoneLine is BIND form with quoted chunks of at most 255 chars that rebuild the value', () => {
  for (const k of Object.values(keys)) {
    const rec = dkimDnsRecord(k);
    assert.ok(rec.zoneLine.startsWith(`${rec.name}. IN TXT (`), rec.zoneLine);
    const chunks = [...rec.zoneLine.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
    assert.ok(chunks.length >= 1);
    for (const c of chunks) assert.ok(c.length <= 255, `chunk of ${c.length} chars`);
    assert.equal(chunks.join(''), rec.value);
  }
  assert.ok(dkimDnsRecord(keys['rsa-sha256']).zoneLine.match(/"/g)!.length >= 4, 'a 2048-bit RSA record needs two strings');
});

for (const algorithm of ['rsa-sha256', 'ed25519-sha256'] as const) {
  test(`${algorithm}: a signed multipart message with a UTF-8 subject verifies with mailauth`, async () => {
    const key = keys[algorithm];
    const msg = message();
    const sig = await dkimSignature(msg, key, { now: NOW });
    assert.match(sig, /^DKIM-Signature: /);
    assert.ok(sig.endsWith('\r\n'));
    assert.ok(!/\r\n(?![ \t])[^\r\n]/.test(sig.slice(0, -2)), 'one header field (continuation lines are folded)');
    const unfolded = sig.replace(/\r\n[ \t]+/g, ' ');
    assert.match(unfolded, new RegExp(`a=${algorithm};`));
    assert.match(unfolded, /c=relaxed\/relaxed;/);
    assert.match(unfolded, /d=aula\.test;/);
    assert.match(unfolded, new RegExp(`s=${key.selector};`));
    assert.match(unfolded, new RegExp(`t=${NOW.getTime() / 1000};`));
    const h = /h=([^;]+);/.exec(unfolded)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
    for (const f of ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'content-type']) assert.ok(h.includes(f), `h= has ${f}`);
    assert.ok(!h.includes('x-mailer') && !h.includes('sender'), 'only our header list is signed, not mailauth\'s default');

    const signed = Buffer.concat([Buffer.from(sig), msg]);
    const r = await verify(signed, key);
    assert.equal(r.status.result, 'pass', r.status.comment);
    assert.equal(r.signingDomain, 'aula.test');
    assert.equal(r.selector, key.selector);
    assert.match(r.info, new RegExp(`header.a=${algorithm}`));
  });

  test(`${algorithm}: tampering with the body or a signed header breaks the signature`, async () => {
    const key = keys[algorithm];
    const msg = message();
    const sig = Buffer.from(await dkimSignature(msg, key, { now: NOW }));

    const body = Buffer.from(msg.toString('utf8').replace('a las 10', 'a las 11'), 'utf8');
    const rb = await verify(Buffer.concat([sig, body]), key);
    assert.notEqual(rb.status.result, 'pass');

    const head = Buffer.from(msg.toString('utf8').replace('Date: Wed, 25 Nov 2026 10:00:00', 'Date: Thu, 26 Nov 2026 10:00:00'), 'utf8');
    const rh = await verify(Buffer.concat([sig, head]), key);
    assert.equal(rh.status.result, 'fail');
  });
}

test('simple/simple and relaxed/simple signatures verify too', async () => {
  for (const canonicalization of ['simple/simple', 'relaxed/simple'] as const) {
    for (const key of Object.values(keys)) {
      const msg = message();
      const sig = await dkimSignature(msg, key, { canonicalization, now: NOW });
      assert.match(sig.replace(/\r\n[ \t]+/g, ' '), new RegExp(`c=${canonicalization};`));
      const r = await verify(Buffer.concat([Buffer.from(sig), msg]), key);
      assert.equal(r.status.result, 'pass', `${key.algorithm} ${canonicalization}: ${r.status.comment ?? ''}`);
    }
  }
});

test('relaxed body canonicalisation tolerates trailing whitespace changes; simple does not', async () => {
  const key = keys['ed25519-sha256'];
  const msg = message();
  const changed = Buffer.from(msg.toString('utf8').replace('Hola a todos,   \r\n', 'Hola a todos,\r\n'), 'utf8');
  assert.notDeepEqual(changed, msg);
  const relaxed = Buffer.from(await dkimSignature(msg, key, { now: NOW }));
  assert.equal((await verify(Buffer.concat([relaxed, changed]), key)).status.result, 'pass');
  const simple = Buffer.from(await dkimSignature(msg, key, { canonicalization: 'simple/simple', now: NOW }));
  assert.notEqual((await verify(Buffer.concat([simple, changed]), key)).status.result, 'pass');
});

test('checkDkimKey rejects garbage, a mislabelled key, a mismatched pair and a short RSA key', () => {
  const rsa = keys['rsa-sha256'];
  const ed = keys['ed25519-sha256'];
  assert.throws(() => checkDkimKey({ ...rsa, privateKeyPem: 'not a key' }), /private key is not a readable/);
  assert.throws(
    () => checkDkimKey({ ...rsa, privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }),
    /private key is not a readable/,
  );
  assert.throws(() => checkDkimKey({ ...rsa, algorithm: 'ed25519-sha256' }), /private key is rsa, but the algorithm ed25519-sha256 needs ed25519/);
  assert.throws(() => checkDkimKey({ ...ed, algorithm: 'rsa-sha256' }), /private key is ed25519, but the algorithm rsa-sha256 needs rsa/);
  assert.throws(() => checkDkimKey({ ...rsa, publicKeyPem: 'garbage' }), /public key is not a readable/);
  assert.throws(() => checkDkimKey({ ...rsa, publicKeyPem: ed.publicKeyPem }), /public key is ed25519/);
  assert.throws(() => checkDkimKey({ ...rsa, publicKeyPem: rsa.privateKeyPem }), /publicKeyPem holds a private key/);
  const other = generateDkimKey('aula.test', 'other', 'ed25519-sha256');
  assert.throws(() => checkDkimKey({ ...ed, publicKeyPem: other.publicKeyPem }), /does not belong to the private key/);
  const small = generateKeyPairSync('rsa', {
    modulusLength: 512,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  assert.throws(() => checkDkimKey({ ...rsa, privateKeyPem: small.privateKey, publicKeyPem: small.publicKey }), /512 bits/);
  assert.throws(() => checkDkimKey({ ...rsa, domain: 'bad domain' }), /Invalid DKIM signing domain/);
  assert.throws(() => checkDkimKey({ ...rsa, selector: '' }), /Invalid DKIM selector/);
});

test('dkimSignature refuses a bad key and a message without From', async () => {
  await assert.rejects(dkimSignature(message(), { ...keys['rsa-sha256'], algorithm: 'ed25519-sha256' }), /needs ed25519/);
  const noFrom = Buffer.from(message().toString('utf8').replace(/^From: [^\r]*\r\n/, ''), 'utf8');
  await assert.rejects(dkimSignature(noFrom, keys['rsa-sha256']), /without a From header/);
});
