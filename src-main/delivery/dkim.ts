// DKIM for outbound delivery: key pairs made with node:crypto, the DNS TXT record that publishes
// the public half (RFC 6376 §3.6.1; Ed25519 per RFC 8463), and the DKIM-Signature header for a
// whole message. The signing itself is mailauth's; this module picks the options (which headers,
// which canonicalisation, the t= time), checks the key first, and turns mailauth's collected
// errors into a thrown Error so that a message is never sent with a silently missing signature.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  privateKeyPem: string;
  publicKeyPem: string;
}

export type DkimCanonicalization = 'relaxed/relaxed' | 'simple/simple' | 'relaxed/simple';

/** Header fields covered by the signature (each one only when the message has it). */
export const DKIM_SIGNED_HEADERS: readonly string[] = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'Cc',
  'Reply-To',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
];

const RSA_BITS = 2048;
/** RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits. */
const RSA_MIN_BITS = 1024;
/** One character-string in a TXT record holds at most 255 octets (RFC 1035 §3.3). */
const TXT_CHUNK = 255;

const KEY_TYPE: Record<DkimAlgorithm, 'rsa' | 'ed25519'> = { 'rsa-sha256': 'rsa', 'ed25519-sha256': 'ed25519' };

// mailauth's shipped typings do not match lib/dkim/sign.js (4.13): the key must go in
// `signatureData` (top-level signingDomain/selector/privateKey are ignored and no signature is
// made), `headerList` is honoured only as a colon-separated string (an array silently falls back
// to mailauth's long default list), and `errors` holds { err, … } records rather than Errors.
// These local types describe what the code really does.
interface MailauthSignOptions {
  algorithm: DkimAlgorithm;
  canonicalization: DkimCanonicalization;
  /** Colon-separated field names, e.g. "From:To:Subject". */
  headerList: string;
  signTime: Date;
  signatureData: Array<{ signingDomain: string; selector: string; privateKey: string }>;
}
interface MailauthSignError {
  err?: Error;
  selector?: string;
  signingDomain?: string;
}
interface MailauthSignResult {
  signatures: string;
  errors: MailauthSignError[];
}
type Sign = (input: Buffer, options: MailauthSignOptions) => Promise<MailauthSignResult>;
let signFn: Sign | undefined;
/** mailauth is loaded on first use: every `buzon` command loads this module, few of them sign. */
async function sign(input: Buffer, options: MailauthSignOptions): Promise<MailauthSignResult> {
  signFn ??= (await import('mailauth/lib/dkim/sign')).dkimSign as unknown as Sign;
  return signFn(input, options);
}

/** Generates a key pair with node:crypto (RSA 2048 or Ed25519). */
export function generateDkimKey(domain: string, selector: string, algorithm: DkimAlgorithm = 'rsa-sha256'): DkimKey {
  checkNames(domain, selector);
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  let pair: { publicKey: string; privateKey: string };
  if (algorithm === 'rsa-sha256') pair = generateKeyPairSync('rsa', { modulusLength: RSA_BITS, publicKeyEncoding, privateKeyEncoding });
  else if (algorithm === 'ed25519-sha256') pair = generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding });
  else throw new Error(`Unsupported DKIM algorithm: ${String(algorithm)} (use rsa-sha256 or ed25519-sha256)`);
  return { domain: normalizeDomain(domain), selector, algorithm, privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey };
}

/**
 * The DNS record to publish: `${selector}._domainkey.${domain}` TXT "v=DKIM1; k=rsa; p=<base64 DER
 * SubjectPublicKeyInfo>" (Ed25519: k=ed25519 and p= the raw 32-byte key, RFC 8463 §4.2), plus the
 * same record as a BIND zone-file line with the value split into quoted strings of ≤255 chars.
 */
export function dkimDnsRecord(key: DkimKey): { name: string; type: 'TXT'; value: string; zoneLine: string } {
  checkDkimKey(key);
  const pub = createPublicKey(key.publicKeyPem);
  const kType = KEY_TYPE[key.algorithm];
  const p = kType === 'rsa' ? pub.export({ type: 'spki', format: 'der' }).toString('base64') : rawEd25519(pub).toString('base64');
  const name = `${key.selector}._domainkey.${normalizeDomain(key.domain)}`;
  const value = `v=DKIM1; k=${kType}; p=${p}`;
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += TXT_CHUNK) chunks.push(`"${value.slice(i, i + TXT_CHUNK)}"`);
  const zoneLine = `${name}. IN TXT ( ${chunks.join(' ')} )`;
  return { name, type: 'TXT', value, zoneLine };
}

/**
 * Signs a whole message and returns the DKIM-Signature header (CRLF-terminated, possibly folded
 * over several lines) to prepend to it. Relaxed/relaxed by default; t= is `opts.now` or the
 * current time. Throws when the key is unusable, the message has no From header, or mailauth
 * reports an error.
 */
export async function dkimSignature(
  message: Buffer,
  key: DkimKey,
  opts: { canonicalization?: DkimCanonicalization; now?: Date } = {},
): Promise<string> {
  checkDkimKey(key);
  const canonicalization = opts.canonicalization ?? 'relaxed/relaxed';
  if (!['relaxed/relaxed', 'simple/simple', 'relaxed/simple'].includes(canonicalization)) {
    throw new Error(`Unsupported DKIM canonicalization: ${canonicalization}`);
  }
  if (!hasFromHeader(message)) throw new Error('Cannot DKIM-sign a message without a From header (RFC 6376 §5.4)');
  const result = await sign(message, {
    algorithm: key.algorithm,
    canonicalization,
    headerList: DKIM_SIGNED_HEADERS.join(':'),
    signTime: opts.now ?? new Date(),
    signatureData: [{ signingDomain: normalizeDomain(key.domain), selector: key.selector, privateKey: key.privateKeyPem }],
  });
  if (result.errors.length) {
    const why = result.errors.map((e) => e.err?.message ?? 'unknown error').join('; ');
    throw new Error(`DKIM signing failed for ${key.selector}._domainkey.${key.domain}: ${why}`);
  }
  const header = result.signatures.replace(/^(?:\r\n)+/, '');
  if (!/^DKIM-Signature:/i.test(header)) throw new Error(`DKIM signing produced no signature for ${key.selector}._domainkey.${key.domain}`);
  return header.endsWith('\r\n') ? header : `${header}\r\n`;
}

/** Validates a key (parses the PEMs, checks they match each other and the algorithm); throws otherwise. */
export function checkDkimKey(key: DkimKey): void {
  checkNames(key.domain, key.selector);
  const kType = KEY_TYPE[key.algorithm];
  const label = `DKIM key ${key.selector}._domainkey.${key.domain}`;
  if (!kType) throw new Error(`${label}: unsupported algorithm ${String(key.algorithm)} (use rsa-sha256 or ed25519-sha256)`);

  let priv: KeyObject;
  try {
    priv = createPrivateKey({ key: key.privateKeyPem, format: 'pem' });
  } catch (err) {
    throw new Error(`${label}: the private key is not a readable unencrypted PEM private key (${(err as Error).message})`);
  }
  if (priv.asymmetricKeyType !== kType) {
    throw new Error(`${label}: the private key is ${priv.asymmetricKeyType ?? 'of an unknown type'}, but the algorithm ${key.algorithm} needs ${kType}`);
  }
  if (kType === 'rsa') {
    const bits = priv.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS) throw new Error(`${label}: the RSA key has ${bits} bits; at least ${RSA_MIN_BITS} are required (2048 recommended)`);
  }

  let pub: KeyObject;
  try {
    pub = createPublicKey({ key: key.publicKeyPem, format: 'pem' });
  } catch (err) {
    throw new Error(`${label}: the public key is not a readable PEM public key (${(err as Error).message})`);
  }
  // createPublicKey also accepts a private PEM (deriving its public half): refuse that, since the
  // private key must never end up where the public one is published.
  if (isPrivatePem(key.publicKeyPem)) throw new Error(`${label}: publicKeyPem holds a private key; it must hold the public key`);
  if (pub.asymmetricKeyType !== kType) {
    throw new Error(`${label}: the public key is ${pub.asymmetricKeyType ?? 'of an unknown type'}, but the algorithm ${key.algorithm} needs ${kType}`);
  }
  const derived = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  if (!derived.equals(pub.export({ type: 'spki', format: 'der' }))) {
    throw new Error(`${label}: the public key does not belong to the private key`);
  }
}

function isPrivatePem(pem: string): boolean {
  try {
    createPrivateKey({ key: pem, format: 'pem' });
    return true;
  } catch {
    return false;
  }
}

function rawEd25519(pub: KeyObject): Buffer {
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('Ed25519 public key has no x coordinate');
  const raw = Buffer.from(jwk.x, 'base64url');
  if (raw.length !== 32) throw new Error(`Ed25519 public key is ${raw.length} bytes, expected 32`);
  return raw;
}

function normalizeDomain(domain: string): string {
  return domain.trim().replace(/\.$/, '').toLowerCase();
}

const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

function checkNames(domain: string, selector: string): void {
  const d = typeof domain === 'string' ? normalizeDomain(domain) : '';
  if (!d || d.length > 253 || !d.split('.').every((l) => LABEL.test(l))) {
    throw new Error(`Invalid DKIM signing domain: ${JSON.stringify(domain)}`);
  }
  if (typeof selector !== 'string' || !selector || !selector.split('.').every((l) => LABEL.test(l))) {
    throw new Error(`Invalid DKIM selector: ${JSON.stringify(selector)}`);
  }
}

/** True when the header block (up to the first empty line) has a From field. */
function hasFromHeader(message: Buffer): boolean {
  let end = message.indexOf('\r\n\r\n');
  if (end < 0) end = message.indexOf('\n\n');
  const head = message.subarray(0, end < 0 ? message.length : end).toString('latin1');
  return /^from[ \t]*:/im.test(head);
}
