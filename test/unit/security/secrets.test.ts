// Secrets at rest: AES-256-GCM sealing of the passwords that must go to remote servers in clear,
// the key file (DATA/keys/secrets.key, 0600, created on first use and kept across restarts), the
// legacy clear values, and the keys derived for other purposes (the SRS hash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretError, isSealed, loadOrCreateKey, secretBox, secretBoxFor } from '../../../src-main/security/secrets';
import { tempDir } from '../../helpers/temp-dir';

const isSecretError = (pattern?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof SecretError, `expected a SecretError, got ${String(e)}`);
  assert.equal(e.name, 'SecretError');
  if (pattern) assert.match(e.message, pattern);
  return true;
};

/** The three base64 parts of a sealed value. */
function parts(sealed: string): { iv: Buffer; tag: Buffer; ct: Buffer } {
  assert.ok(sealed.startsWith('enc:v1:'), sealed);
  const [iv, tag, ct, ...more] = sealed.slice('enc:v1:'.length).split(':');
  assert.equal(more.length, 0, sealed);
  return { iv: Buffer.from(iv!, 'base64'), tag: Buffer.from(tag!, 'base64'), ct: Buffer.from(ct!, 'base64') };
}

const join3 = (p: { iv: Buffer; tag: Buffer; ct: Buffer }): string => `enc:v1:${p.iv.toString('base64')}:${p.tag.toString('base64')}:${p.ct.toString('base64')}`;

function flip(b: Buffer, i = 0): Buffer {
  const c = Buffer.from(b);
  c[i] = c[i]! ^ 0x01;
  return c;
}

test('seal and open round trip: ASCII, UTF-8, empty, blank, colons and 1000 characters', () => {
  const box = secretBox(randomBytes(32));
  const values = ['abcd efgh ijkl mnop', 'contraseña', 'Grüße 🔑 日本語', '', ' ', 'a:b:c enc:v1:x:y:z', 'x'.repeat(1000)];
  for (const v of values) {
    const sealed = box.seal(v);
    assert.ok(isSealed(sealed), sealed);
    const p = parts(sealed);
    assert.equal(p.iv.length, 12, 'a 96-bit GCM nonce');
    assert.equal(p.tag.length, 16, 'a full 128-bit tag');
    assert.equal(p.ct.length, Buffer.byteLength(v, 'utf8'));
    assert.equal(box.open(sealed), v);
  }
});

test('two seals of the same text differ (random IV) and neither shows the clear text', () => {
  const box = secretBox(randomBytes(32));
  const plain = 'GmailAppPassword2026';
  const a = box.seal(plain);
  const b = box.seal(plain);
  assert.notEqual(a, b);
  assert.notDeepEqual(parts(a).iv, parts(b).iv);
  for (const s of [a, b]) {
    assert.ok(!s.includes(plain), s);
    assert.ok(!s.includes(Buffer.from(plain).toString('base64')), s);
    assert.equal(box.open(s), plain);
  }
});

test('a value without the enc:v1: prefix is a legacy clear value and opens as itself', () => {
  const box = secretBox(randomBytes(32));
  for (const v of ['secreto1', '', 'ENC:V1:abc:def:ghi', ' enc:v1:abc:def:ghi', 'enc:v2:abc:def:ghi', 'xenc:v1:']) {
    assert.equal(isSealed(v), false, v);
    assert.equal(box.open(v), v);
  }
  assert.equal(isSealed('enc:v1:'), true);
  assert.equal(isSealed('enc:v1:a:b:c'), true);
  assert.equal(isSealed(box.seal('x')), true);
});

test('a value sealed under another key cannot be opened: SecretError says the key was replaced', () => {
  const sealed = secretBox(randomBytes(32)).seal('secreto');
  assert.throws(() => secretBox(randomBytes(32)).open(sealed), isSecretError(/replaced/));
});

test('a tampered IV, tag or ciphertext throws SecretError', () => {
  const box = secretBox(randomBytes(32));
  const sealed = box.seal('the smart host password');
  const p = parts(sealed);
  const other = parts(box.seal('another password of same size!'));
  const tampered = [
    join3({ ...p, ct: flip(p.ct) }),
    join3({ ...p, ct: flip(p.ct, p.ct.length - 1) }),
    join3({ ...p, tag: flip(p.tag) }),
    join3({ ...p, tag: flip(p.tag, 15) }),
    join3({ ...p, iv: flip(p.iv) }),
    join3({ ...p, ct: p.ct.subarray(0, p.ct.length - 1) }),
    join3({ ...p, ct: Buffer.concat([p.ct, Buffer.from('!')]) }),
    join3({ ...p, ct: other.ct }),
    join3({ ...other, tag: p.tag }),
  ];
  for (const t of tampered) {
    assert.notEqual(t, sealed);
    assert.throws(() => box.open(t), isSecretError(), t);
  }
  // The untouched value still opens: the failures above are the tampering, not the box.
  assert.equal(box.open(sealed), 'the smart host password');
});

test('a truncated sealed value (missing parts) throws SecretError', () => {
  const box = secretBox(randomBytes(32));
  const sealed = box.seal('secreto');
  const [iv, tag] = sealed.slice('enc:v1:'.length).split(':');
  for (const t of ['enc:v1:', `enc:v1:${iv!}`, `enc:v1:${iv!}:`, `enc:v1:${iv!}:${tag!}`]) {
    assert.throws(() => box.open(t), isSecretError(/damaged/), t);
  }
  for (const t of ['enc:v1:::', `enc:v1:${iv!}:${tag!}:`, sealed.slice(0, sealed.length - 4)]) {
    assert.throws(() => box.open(t), isSecretError(), t);
  }
});

test(
  'a tag shortened to its first 4 bytes is refused',
  () => {
    const box = secretBox(randomBytes(32));
    const p = parts(box.seal('secreto'));
    assert.throws(() => box.open(join3({ ...p, tag: p.tag.subarray(0, 4) })), isSecretError());
  },
);

test('secretBox refuses a key that is not 32 bytes', () => {
  for (const n of [0, 16, 31, 33, 64]) assert.throws(() => secretBox(randomBytes(n)), isSecretError(/32 bytes/));
});

test('loadOrCreateKey creates keys/secrets.key (0600, parent created) and returns the same key afterwards', () => {
  const tmp = tempDir();
  try {
    const dir = join(tmp.path, 'keys');
    const file = join(dir, 'secrets.key');
    assert.equal(existsSync(dir), false);
    const key = loadOrCreateKey(file);
    assert.equal(key.length, 32);
    assert.ok(statSync(dir).isDirectory());
    assert.ok(statSync(file).isFile());
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), `${key.toString('base64')}\n`);
    const again = loadOrCreateKey(file);
    assert.deepEqual(again, key);
    assert.equal(readFileSync(file, 'utf8'), `${key.toString('base64')}\n`, 'the file is not rewritten');
    // A value sealed under the first key opens with the key read back.
    assert.equal(secretBox(again).open(secretBox(key).seal('secreto')), 'secreto');
    // Another data folder gets another key.
    const other = tempDir();
    try {
      assert.notDeepEqual(loadOrCreateKey(join(other.path, 'keys', 'secrets.key')), key);
    } finally {
      other.remove();
    }
  } finally {
    tmp.remove();
  }
});

test('loadOrCreateKey reads an existing key file as it is (surrounding whitespace allowed)', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'secrets.key');
    const key = randomBytes(32);
    writeFileSync(file, `  ${key.toString('base64')}\r\n\n`);
    assert.deepEqual(loadOrCreateKey(file), key);
  } finally {
    tmp.remove();
  }
});

test('loadOrCreateKey refuses a key file with garbage, and leaves it alone', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'secrets.key');
    for (const content of ['this is not a key\n', '', '\n', randomBytes(16).toString('base64'), randomBytes(48).toString('base64'), randomBytes(32).toString('hex')]) {
      writeFileSync(file, content);
      assert.throws(() => loadOrCreateKey(file), isSecretError(/not a Buzon secrets key/), JSON.stringify(content));
      assert.equal(readFileSync(file, 'utf8'), content, 'a bad key file is never replaced');
    }
  } finally {
    tmp.remove();
  }
});

test('secretBoxFor creates no key file until a seal, an open of a sealed value, or a derive', () => {
  const tmp = tempDir();
  try {
    const sealedElsewhere = secretBox(randomBytes(32)).seal('secreto');

    const f1 = join(tmp.path, 'a', 'keys', 'secrets.key');
    const b1 = secretBoxFor(f1);
    assert.equal(existsSync(f1), false, 'not at creation');
    assert.equal(b1.open('clear legacy value'), 'clear legacy value');
    assert.equal(b1.open(''), '');
    assert.equal(existsSync(f1), false, 'not for a clear value');
    const sealed = b1.seal('secreto');
    assert.equal(existsSync(f1), true, 'on the first seal');
    assert.equal(b1.open(sealed), 'secreto');

    const f2 = join(tmp.path, 'b', 'keys', 'secrets.key');
    const b2 = secretBoxFor(f2);
    assert.throws(() => b2.open(sealedElsewhere), isSecretError(/replaced/));
    assert.equal(existsSync(f2), true, 'on the first open of a sealed value');

    const f3 = join(tmp.path, 'c', 'keys', 'secrets.key');
    const b3 = secretBoxFor(f3);
    assert.equal(existsSync(f3), false);
    assert.equal(b3.derive('srs').length, 32);
    assert.equal(existsSync(f3), true, 'on the first derive');
  } finally {
    tmp.remove();
  }
});

test('values sealed by one box open with another box on the same file (a restart), not on another file', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'keys', 'secrets.key');
    const before = secretBoxFor(file);
    const sealed = before.seal('contraseña del smart host');
    const srsKey = before.derive('srs');

    const after = secretBoxFor(file);
    assert.equal(after.open(sealed), 'contraseña del smart host');
    assert.deepEqual(after.derive('srs'), srsKey);
    assert.equal(before.open(after.seal('y')), 'y');

    const elsewhere = secretBoxFor(join(tmp.path, 'other', 'secrets.key'));
    assert.throws(() => elsewhere.open(sealed), isSecretError(/replaced/));
    assert.notDeepEqual(elsewhere.derive('srs'), srsKey);
  } finally {
    tmp.remove();
  }
});

test("derive('srs') is stable for a key, differs across labels and keys, and is never the key", () => {
  const key = randomBytes(32);
  const a = secretBox(key);
  const b = secretBox(Buffer.from(key));
  const srs = a.derive('srs');
  assert.equal(srs.length, 32);
  assert.deepEqual(a.derive('srs'), srs);
  assert.deepEqual(b.derive('srs'), srs);
  assert.notDeepEqual(srs, key);
  assert.ok(!srs.includes(key.subarray(0, 8)));
  for (const label of ['SRS', 'srs ', 'dkim', '']) assert.notDeepEqual(a.derive(label), srs, label);
  assert.notDeepEqual(secretBox(randomBytes(32)).derive('srs'), srs);
  // secretBoxFor derives from the key in its file.
  const tmp = tempDir();
  try {
    const file = join(tmp.path, 'keys', 'secrets.key');
    const fromFile = secretBoxFor(file).derive('srs');
    assert.deepEqual(fromFile, secretBox(loadOrCreateKey(file)).derive('srs'));
    assert.notDeepEqual(fromFile, loadOrCreateKey(file));
  } finally {
    tmp.remove();
  }
});
