// Secrets at rest: the smart host's and the routes' passwords must be sent in clear to the remote
// server, so they cannot be hashed like account passwords. They are sealed with AES-256-GCM under
// a random key that lives in its own file (DATA/keys/secrets.key, readable by the owner only),
// never in the database: a copy of buzon.db alone (a backup, a file sent to a colleague, a
// `config export`) does not give the Gmail app password away.
//
// Sealed values read "enc:v1:<iv>:<tag>:<ciphertext>" (base64). A value without the prefix is a
// legacy clear value and is returned as it is (and sealed on its next write). A value that was
// sealed under another key (the key file lost or replaced) cannot be opened: `open` says so
// instead of handing a garbage password to the remote server.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const PREFIX = 'enc:v1:';
const KEY_BYTES = 32;

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

export interface SecretBox {
  seal(plain: string): string;
  /** The clear value; throws SecretError when it was sealed under another key or was altered. */
  open(stored: string): string;
  /** A key for another purpose (the SRS hash), derived from this one: never the key itself. */
  derive(label: string): Buffer;
}

export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX);

/** Reads the key file, or creates it (0600, fsynced) on first use. */
export function loadOrCreateKey(path: string): Buffer {
  try {
    return checkKey(readFileSync(path), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    // Another process (the CLI next to the running server) created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return checkKey(readFileSync(path), path);
    throw e;
  }
  try {
    writeSync(fd, key.toString('base64') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

function checkKey(content: Buffer, path: string): Buffer {
  const key = Buffer.from(content.toString('utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretError(`${path} is not a Buzon secrets key (expected ${KEY_BYTES} bytes, base64)`);
  return key;
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretError(`a secrets key has ${KEY_BYTES} bytes`);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `${PREFIX}${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    open(stored) {
      if (!isSealed(stored)) return stored;
      const [iv, tag, ct] = stored.slice(PREFIX.length).split(':');
      if (iv === undefined || tag === undefined || ct === undefined) throw new SecretError('the stored secret is damaged');
      const ivBytes = Buffer.from(iv, 'base64');
      const tagBytes = Buffer.from(tag, 'base64');
      if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new SecretError('the stored secret is damaged');
      try {
        const d = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
        d.setAuthTag(tagBytes);
        return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
      } catch {
        throw new SecretError('the stored secret cannot be decrypted with this server\'s key (keys/secrets.key was replaced or lost): enter the password again');
      }
    },
    derive: (label) => createHmac('sha256', key).update(`buzon:${label}`).digest(),
  };
}

/** The box of a data folder (DATA/keys/secrets.key). */
export function secretBoxFor(keyFile: string): SecretBox {
  let box: SecretBox | undefined;
  // The key file is created on the first seal or open, not when the server merely starts.
  const get = (): SecretBox => (box ??= secretBox(loadOrCreateKey(keyFile)));
  return { seal: (p) => get().seal(p), open: (s) => (isSealed(s) ? get().open(s) : s), derive: (label) => get().derive(label) };
}
