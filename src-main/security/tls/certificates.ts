// Certificates, the pure library behind the "SSL certificates" node: generate a self-signed
// certificate, a small local CA and server certificates it signs (node-forge builds and signs them;
// the key pairs come from node:crypto, which is native and fast); read what an administrator pastes
// or uploads (PEM bundles in any order, separate key files, encrypted keys, PKCS#12) into one
// normal form (leaf PEM, chain PEM ordered leaf→root, unencrypted PKCS#8 key); export PKCS#12;
// describe a certificate for the admin API and for SNI (`inspect`, `nameMatches`); and list what
// is worth a warning (`expiry`, `checkCertificate`). Nothing here touches the disk or the network.
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject, type KeyType } from 'node:crypto';
import forge from 'node-forge';
import type { Certificate } from '../../shared/model/entities';

const DAY_MS = 86_400_000;
const ORGANIZATION = 'Buzón mail server';

export interface GeneratedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A certificate and key in normal form: leaf PEM, chain PEM (leaf→root, '' if none), unencrypted PKCS#8 key PEM. */
export interface CertificateParts {
  readonly certPem: string;
  readonly chainPem: string;
  readonly keyPem: string;
}

export type CertificateField = 'cert' | 'key' | 'passphrase';

/** What is wrong with the certificate, the key or the passphrase an administrator gave. */
export class CertificateError extends Error {
  readonly field: CertificateField;
  constructor(field: CertificateField, message: string) {
    super(message);
    this.name = 'CertificateError';
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

interface RsaPair {
  readonly keyPem: string;
  readonly publicKey: forge.pki.rsa.PublicKey;
}

function newRsaKey(): RsaPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { keyPem, publicKey: forge.pki.publicKeyFromPem(pubPem) as forge.pki.rsa.PublicKey };
}

/** A positive 16-byte serial (RFC 5280 §4.1.2.2) whose first byte is 0x40..0x7f, so its DER is minimal. */
function newSerial(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial.toString('hex');
}

function sanEntries(names: readonly string[]): Array<{ type: number; ip?: string; value?: string }> {
  return names.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n }));
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string, now: Date, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = newSerial();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: ORGANIZATION },
  ]);
  return cert;
}

export function generateSelfSigned(opts: { commonName: string; altNames?: readonly string[]; days?: number; now?: Date }): GeneratedCertificate {
  const { keyPem, publicKey } = newRsaKey();
  const cert = baseCertificate(publicKey, opts.commonName, opts.now ?? new Date(), opts.days ?? 825);
  cert.setIssuer(cert.subject.attributes);
  const names = [...new Set([opts.commonName, ...(opts.altNames ?? [])])];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: sanEntries(names) },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A small local certificate authority: RSA 2048, SHA-256, CA:true, keyCertSign + cRLSign, 10 years by default. */
export function generateLocalCa(opts: { commonName: string; days?: number; now?: Date }): GeneratedCertificate {
  const { keyPem, publicKey } = newRsaKey();
  const cert = baseCertificate(publicKey, opts.commonName, opts.now ?? new Date(), opts.days ?? 3650);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * A server certificate (serverAuth, SANs, authorityKeyIdentifier) issued by `ca`, which must be an
 * RSA CA such as `generateLocalCa` makes. Valid 825 days by default, and never past the CA's own
 * notAfter. `chainPem` is the CA certificate.
 */
export function generateSignedBy(
  ca: GeneratedCertificate,
  opts: { commonName: string; altNames?: readonly string[]; days?: number; now?: Date },
): GeneratedCertificate & { chainPem: string } {
  const caX = readCertificate(ca.certPem);
  if (!caX.ca) throw new CertificateError('cert', 'the issuing certificate is not a certificate authority (basicConstraints CA:TRUE)');
  let caKey: forge.pki.rsa.PrivateKey;
  let caCert: forge.pki.Certificate;
  try {
    if (!caX.checkPrivateKey(createPrivateKey(ca.keyPem))) throw new CertificateError('key', 'the CA private key does not belong to the CA certificate');
    caKey = forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey;
    caCert = forge.pki.certificateFromPem(ca.certPem);
  } catch (e) {
    if (e instanceof CertificateError) throw e;
    throw new CertificateError('key', 'the CA must have an RSA key to sign certificates here');
  }
  const { keyPem, publicKey } = newRsaKey();
  const cert = baseCertificate(publicKey, opts.commonName, opts.now ?? new Date(), opts.days ?? 825);
  if (cert.validity.notAfter > caCert.validity.notAfter) cert.validity.notAfter = new Date(caCert.validity.notAfter);
  cert.setIssuer(caCert.subject.attributes);
  const caSki = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  const keyIdentifier = caSki?.subjectKeyIdentifier ? forge.util.hexToBytes(caSki.subjectKeyIdentifier) : caCert.generateSubjectKeyIdentifier().getBytes();
  const names = [...new Set([opts.commonName, ...(opts.altNames ?? [])])];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: sanEntries(names) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, chainPem: caX.toString() };
}

/**
 * The names a mail server's certificate usually needs: the host name, and smtp./imap./pop. under
 * its parent domain (`mail.aula.test` → smtp.aula.test …). When the host name is itself a
 * registrable-looking domain (two labels, `aula.test`), the prefixes go under it rather than under
 * the top-level domain. Lower-case, without duplicates; an IP address or a single label stays alone.
 */
export function defaultNames(hostName: string): string[] {
  const host = hostName.trim().toLowerCase().replace(/\.$/, '');
  if (!host) return [];
  if (!host.includes('.') || /^[\d.]+$/.test(host) || host.includes(':')) return [host];
  const labels = host.split('.');
  const base = labels.length > 2 ? labels.slice(1).join('.') : host;
  return [...new Set([host, `smtp.${base}`, `imap.${base}`, `pop.${base}`])];
}

// ---------------------------------------------------------------------------------------------
// Reading PEM
// ---------------------------------------------------------------------------------------------

interface PemBlock {
  readonly label: string;
  readonly text: string;
}

function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const m of text.replace(/\r\n?/g, '\n').matchAll(re)) out.push({ label: m[1] ?? '', text: `${m[0]}\n` });
  return out;
}

const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY']);

function readCertificate(pem: string | Buffer, what = 'the certificate'): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new CertificateError('cert', `${what} could not be read (not a valid X.509 certificate)`);
  }
}

function isEncrypted(block: PemBlock): boolean {
  return block.label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,\s*ENCRYPTED/m.test(block.text);
}

function readKey(block: PemBlock, passphrase: string | undefined): KeyObject {
  if (isEncrypted(block)) {
    if (passphrase === undefined || passphrase === '') throw new CertificateError('passphrase', 'the private key is encrypted: give its passphrase');
    try {
      return createPrivateKey({ key: block.text, format: 'pem', passphrase });
    } catch {
      throw new CertificateError('passphrase', 'the passphrase does not decrypt the private key (wrong passphrase?)');
    }
  }
  try {
    return createPrivateKey({ key: block.text, format: 'pem' });
  } catch {
    throw new CertificateError('key', 'the private key could not be read');
  }
}

function keyMatches(x: X509Certificate, key: KeyObject): boolean {
  try {
    if (x.checkPrivateKey(key)) return true;
  } catch {
    // Different key types: OpenSSL may complain instead of answering false.
  }
  try {
    const a = x.publicKey.export({ type: 'spki', format: 'der' });
    const b = createPublicKey(key).export({ type: 'spki', format: 'der' });
    return a.equals(b);
  } catch {
    return false;
  }
}

/**
 * Leaf = the first certificate whose key is given, unless it issued another of the certificates (then
 * the key is the CA's: refused); the rest ordered leaf→root where they link, the others after.
 */
function assemble(certs: readonly X509Certificate[], keys: readonly KeyObject[]): CertificateParts {
  if (certs.length === 0) throw new CertificateError('cert', 'no certificate found: expected a PEM block beginning with -----BEGIN CERTIFICATE-----');
  if (keys.length === 0) throw new CertificateError('key', 'no private key found: expected a PEM block beginning with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)');
  // Drop duplicates (the same certificate pasted twice).
  const seen = new Set<string>();
  const unique = certs.filter((c) => (seen.has(c.fingerprint256) ? false : (seen.add(c.fingerprint256), true)));
  let leaf: X509Certificate | undefined;
  let key: KeyObject | undefined;
  for (const c of unique) {
    key = keys.find((k) => keyMatches(c, k));
    if (key) {
      leaf = c;
      break;
    }
  }
  if (!leaf || !key) throw new CertificateError('key', 'the private key does not belong to the certificate');
  // The key of an issuer pasted with the certificate it issued is a mistake, not a CA import.
  const issued = unique.find((c) => c !== leaf && c.checkIssued(leaf) && safeVerify(c, leaf));
  if (issued) {
    const cn = rawFields(leaf).commonName || leaf.subject.replace(/\n/g, ', ');
    throw new CertificateError('key', `the private key does not belong to the certificate: it is the key of "${cn}", which issued it`);
  }
  const rest = unique.filter((c) => c !== leaf);
  const chain: X509Certificate[] = [];
  for (let cur = leaf; ; ) {
    if (cur.subject === cur.issuer && cur !== leaf && safeVerify(cur, cur)) break; // reached a root
    const next = rest.find((c) => !chain.includes(c) && cur.checkIssued(c) && safeVerify(cur, c));
    if (!next) break;
    chain.push(next);
    cur = next;
  }
  for (const c of rest) if (!chain.includes(c)) chain.push(c);
  return {
    certPem: leaf.toString(),
    chainPem: chain.map((c) => c.toString()).join(''),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Reads a certificate (with its chain, if any) and its private key given as PEM text: the key may
 * be in `certText` too, in any order, or in `keyText`. Keys may be PKCS#8, PKCS#1 (RSA), SEC1 (EC),
 * encrypted PKCS#8 or legacy "Proc-Type: 4,ENCRYPTED" PEM (then `passphrase` is needed).
 * Throws `CertificateError`.
 */
export function parsePemParts(certText: string, keyText: string | undefined, passphrase?: string): CertificateParts {
  const blocks = [...pemBlocks(certText), ...(keyText === undefined ? [] : pemBlocks(keyText))];
  const certBlocks = blocks.filter((b) => CERT_LABELS.has(b.label));
  const keyBlocks = blocks.filter((b) => KEY_LABELS.has(b.label));
  if (certBlocks.length === 0) throw new CertificateError('cert', 'no certificate found: expected a PEM block beginning with -----BEGIN CERTIFICATE-----');
  if (keyBlocks.length === 0) throw new CertificateError('key', 'no private key found: expected a PEM block beginning with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)');
  const certs = certBlocks.map((b, i) => readCertificate(b.text, certBlocks.length > 1 ? `certificate ${i + 1}` : 'the certificate'));
  const keys = keyBlocks.map((b) => readKey(b, passphrase));
  return assemble(certs, keys);
}

/** `parsePemParts` for one text holding both the certificate(s) and the key. */
export function parsePemBundle(text: string, passphrase?: string): CertificateParts {
  return parsePemParts(text, undefined, passphrase);
}

// ---------------------------------------------------------------------------------------------
// PKCS#12
// ---------------------------------------------------------------------------------------------

const bin = (b: Buffer): string => b.toString('binary');
const buf = (s: string): Buffer => Buffer.from(s, 'binary');

/**
 * Reads a PKCS#12 (.pfx/.p12) file: OpenSSL 3's default (PBES2, AES-256-CBC, SHA-256 MAC) as well
 * as the legacy RC2/3DES kind. Throws `CertificateError` (field 'passphrase' for a wrong password).
 */
export function parsePfx(data: Buffer, password: string): CertificateParts {
  let der: forge.asn1.Asn1;
  try {
    der = forge.asn1.fromDer(bin(data), false);
  } catch {
    throw new CertificateError('cert', 'the file is not a PKCS#12 (.pfx/.p12) file');
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = openPfx(der, password);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/password|MAC|decrypt/i.test(msg)) throw new CertificateError('passphrase', 'the password does not open the PKCS#12 file (wrong password?)');
    throw new CertificateError('cert', `the PKCS#12 file could not be read: ${msg}`);
  }
  const certs: X509Certificate[] = [];
  const keys: KeyObject[] = [];
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags) {
      if (bag.type === forge.pki.oids.certBag) {
        const asn = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        certs.push(readCertificate(buf(forge.asn1.toDer(asn).getBytes()), 'a certificate in the PKCS#12 file'));
      } else if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
        const asn = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
        try {
          keys.push(createPrivateKey({ key: buf(forge.asn1.toDer(asn).getBytes()), format: 'der', type: 'pkcs8' }));
        } catch {
          throw new CertificateError('key', 'the private key in the PKCS#12 file could not be read');
        }
      }
    }
  }
  if (certs.length === 0) throw new CertificateError('cert', 'the PKCS#12 file holds no certificate');
  if (keys.length === 0) throw new CertificateError('key', 'the PKCS#12 file holds no private key');
  return assemble(certs, keys);
}

/**
 * forge uses one password string for everything, but a non-ASCII password is a BMPString for the
 * PKCS#12 MAC and PBES1, and UTF-8 bytes for PBES2 (what OpenSSL 3 and Windows write). So when the
 * plain try fails on such a password: check the MAC ourselves, then let forge decrypt the MAC-less
 * file with the UTF-8 bytes.
 */
function openPfx(der: forge.asn1.Asn1, password: string): forge.pkcs12.Pkcs12Pfx {
  try {
    return forge.pkcs12.pkcs12FromAsn1(der, false, password);
  } catch (e) {
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(password) || !Array.isArray(der.value) || der.value.length < 3 || !pfxMacOk(der.value, password)) throw e;
    const noMac = forge.asn1.create(der.tagClass, der.type, true, der.value.slice(0, 2));
    return forge.pkcs12.pkcs12FromAsn1(noMac, false, forge.util.encodeUtf8(password));
  }
}

function pfxMacOk(pfx: forge.asn1.Asn1[], password: string): boolean {
  try {
    const octetsOf = (a: forge.asn1.Asn1): string => (typeof a.value === 'string' ? a.value : a.value.map(octetsOf).join(''));
    const [, authSafe, macData] = pfx as [forge.asn1.Asn1, forge.asn1.Asn1, forge.asn1.Asn1];
    const content = octetsOf(((authSafe.value as forge.asn1.Asn1[])[1]?.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1);
    const [digestInfo, salt, iter] = macData.value as forge.asn1.Asn1[];
    const [algId, digest] = (digestInfo as forge.asn1.Asn1).value as forge.asn1.Asn1[];
    const mdName = forge.pki.oids[forge.asn1.derToOid(((algId as forge.asn1.Asn1).value as forge.asn1.Asn1[])[0]?.value as string)] ?? '';
    const mdFactory = (forge.md as unknown as Record<string, { create(): forge.md.MessageDigest } | undefined>)[mdName];
    if (!mdFactory || !salt || !digest) return false;
    const iterations = iter ? buf(iter.value as string).reduce((n, b) => n * 256 + b, 0) : 1;
    const length = createHash(mdName).digest().length;
    const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt.value as string), 3, iterations, length, mdFactory.create());
    const mac = createHmac(mdName, buf(key.getBytes())).update(buf(content)).digest();
    return mac.equals(buf(digest.value as string));
  } catch {
    return false;
  }
}

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_PKCS8_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const OID_X509_CERTIFICATE = '1.2.840.113549.1.9.22.1';
const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';

/**
 * A PKCS#12 file with the key (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, as OpenSSL 3 writes by
 * default), the certificate and its chain (not encrypted: they are public), and an HMAC-SHA256
 * integrity MAC. Works for any key type node:crypto knows. Readable by `parsePfx`, OpenSSL and Windows.
 */
export function exportPfx(certPem: string, keyPem: string, chainPem: string, password: string): Buffer {
  const { asn1 } = forge;
  const U = asn1.Class.UNIVERSAL;
  const C = asn1.Class.CONTEXT_SPECIFIC;
  const T = asn1.Type;
  const seq = (v: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, T.SEQUENCE, true, v);
  const set = (v: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, T.SET, true, v);
  const oid = (o: string): forge.asn1.Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
  const octets = (b: string): forge.asn1.Asn1 => asn1.create(U, T.OCTETSTRING, false, b);
  const explicit0 = (v: forge.asn1.Asn1): forge.asn1.Asn1 => asn1.create(C, 0, true, [v]);
  const toDer = (v: forge.asn1.Asn1): string => asn1.toDer(v).getBytes();
  const dataInfo = (v: forge.asn1.Asn1): forge.asn1.Asn1 => seq([oid(OID_DATA), explicit0(octets(toDer(v)))]);

  const leaf = readCertificate(certPem);
  const chain = pemBlocks(chainPem)
    .filter((b) => CERT_LABELS.has(b.label))
    .map((b, i) => readCertificate(b.text, `chain certificate ${i + 1}`));
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new CertificateError('key', 'the private key could not be read');
  }
  if (!keyMatches(leaf, key)) throw new CertificateError('key', 'the private key does not belong to the certificate');

  const localKeyId = set([seq([oid(OID_LOCAL_KEY_ID), set([octets(bin(createHash('sha1').update(leaf.raw).digest()))])])]);
  const certBags = [leaf, ...chain].map((c, i) => {
    const bag = [oid(OID_CERT_BAG), explicit0(seq([oid(OID_X509_CERTIFICATE), explicit0(octets(bin(c.raw)))]))];
    return seq(i === 0 ? [...bag, localKeyId] : bag);
  });
  const encryptedKey = key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: password });
  const keyBag = seq([oid(OID_PKCS8_SHROUDED_KEY_BAG), explicit0(asn1.fromDer(bin(encryptedKey))), localKeyId]);
  const authSafe = toDer(seq([dataInfo(seq(certBags)), dataInfo(seq([keyBag]))]));

  const salt = randomBytes(16);
  const iterations = 2048;
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(bin(salt)), 3, iterations, 32, forge.md.sha256.create());
  const mac = createHmac('sha256', buf(macKey.getBytes())).update(buf(authSafe)).digest();
  const pfx = seq([
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(OID_DATA), explicit0(octets(authSafe))]),
    seq([
      seq([seq([oid(OID_SHA256), asn1.create(U, T.NULL, false, '')]), octets(bin(mac))]),
      octets(bin(salt)),
      asn1.create(U, T.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
    ]),
  ]);
  return buf(toDer(pfx));
}

// ---------------------------------------------------------------------------------------------
// Describing and checking
// ---------------------------------------------------------------------------------------------

/** One certificate of the chain, as `inspect` lists it. */
export interface ChainEntry {
  readonly subject: string;
  readonly commonName: string;
  readonly issuer: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
  readonly isCa: boolean;
}

export interface CertificateInfo {
  readonly subject: string;
  /** '' when the subject has none. */
  readonly commonName: string;
  /** DNS and IP SANs without their prefix; other kinds (email:, URI:) keep theirs. */
  readonly altNames: string[];
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
  /** Hex, as OpenSSL prints it. */
  readonly serial: string;
  readonly selfSigned: boolean;
  readonly isCa: boolean;
  readonly keyType: KeyType | 'unknown';
  readonly keyBits?: number;
  /** For EC keys: the named curve (prime256v1, secp384r1, …). */
  readonly curve?: string;
  /** The signature algorithm's OID name (sha256WithRSAEncryption, ecdsa-with-SHA256, …) or dotted OID. */
  readonly signatureAlgorithm: string;
  /** The names to match SNI against: a host-name-like CN and the DNS SANs, lower-case, no duplicates. */
  readonly names: string[];
  /** The chain given to `inspect`, in the order given. */
  readonly chain: ChainEntry[];
}

const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};
/** By the names `inspect` gives them (SIGNATURE_OIDS). */
const WEAK_SIGNATURES: Record<string, string> = {
  md5WithRSAEncryption: 'MD5',
  sha1WithRSAEncryption: 'SHA-1',
  'ecdsa-with-SHA1': 'SHA-1',
  'dsa-with-SHA1': 'SHA-1',
};
const CURVE_BITS: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521, secp256k1: 256 };

function decodeAsn1String(v: forge.asn1.Asn1): string {
  const raw = typeof v.value === 'string' ? v.value : '';
  switch (v.type as number) {
    case forge.asn1.Type.UTF8:
      try {
        return forge.util.decodeUtf8(raw);
      } catch {
        return raw;
      }
    case forge.asn1.Type.BMPSTRING:
      return buf(raw).swap16().toString('utf16le');
    case 28: {
      // UniversalString: UCS-4 big-endian.
      const b = buf(raw);
      let s = '';
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
      return s;
    }
    default:
      return raw;
  }
}

/** From the DER: the signature algorithm OID and the subject's (last) common name. */
function rawFields(x: X509Certificate): { signatureOid: string; commonName: string } {
  try {
    const cert = forge.asn1.fromDer(bin(x.raw), false);
    const parts = cert.value as forge.asn1.Asn1[];
    const tbs = (parts[0]?.value ?? []) as forge.asn1.Asn1[];
    const sigAlg = (parts[1]?.value ?? []) as forge.asn1.Asn1[];
    const signatureOid = sigAlg[0] ? forge.asn1.derToOid(sigAlg[0].value as string) : '';
    const off = tbs[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const subject = (tbs[off + 4]?.value ?? []) as forge.asn1.Asn1[];
    let commonName = '';
    for (const rdn of subject) {
      for (const atv of rdn.value as forge.asn1.Asn1[]) {
        const [type, value] = atv.value as forge.asn1.Asn1[];
        if (type && value && forge.asn1.derToOid(type.value as string) === '2.5.4.3') commonName = decodeAsn1String(value);
      }
    }
    return { signatureOid, commonName };
  } catch {
    return { signatureOid: '', commonName: '' };
  }
}

/** Splits Node's `subjectAltName` ("DNS:a, IP Address:1.2.3.4", values JSON-quoted when they hold commas or quotes). */
function sanList(x: X509Certificate): Array<{ type: string; value: string }> {
  const s = x.subjectAltName ?? '';
  const out: Array<{ type: string; value: string }> = [];
  let i = 0;
  while (i < s.length) {
    const colon = s.indexOf(':', i);
    if (colon < 0) break;
    const type = s.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (s[j] === '"') {
      let k = j + 1;
      while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        value = s.slice(j + 1, k);
      }
      j = k + 1;
    } else {
      const end = s.indexOf(', ', j);
      value = s.slice(j, end < 0 ? s.length : end);
      j = end < 0 ? s.length : end;
    }
    out.push({ type, value });
    i = s.startsWith(', ', j) ? j + 2 : j + 1;
  }
  return out;
}

const HOST_LIKE = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

function isSelfSigned(x: X509Certificate): boolean {
  return x.subject === x.issuer && safeVerify(x, x);
}

function chainEntry(x: X509Certificate): ChainEntry {
  return {
    subject: x.subject.replace(/\n/g, ', '),
    commonName: rawFields(x).commonName,
    issuer: x.issuer.replace(/\n/g, ', '),
    notAfter: new Date(x.validTo).toISOString(),
    fingerprint256: x.fingerprint256,
    isCa: x.ca,
  };
}

/** Everything the admin API and the SNI table need to know about a PEM certificate. Throws `CertificateError`. */
export function inspect(certPem: string, chainPem?: string): CertificateInfo {
  const x = readCertificate(certPem);
  const { signatureOid, commonName } = rawFields(x);
  const sans = sanList(x);
  const altNames = sans.map((s) => (s.type === 'DNS' || s.type === 'IP Address' ? s.value : `${s.type}:${s.value}`));
  const names = [...new Set([...(commonName && HOST_LIKE.test(commonName) ? [commonName] : []), ...sans.filter((s) => s.type === 'DNS').map((s) => s.value)].map((n) => n.toLowerCase().replace(/\.$/, '')))];
  const pk = x.publicKey;
  const details = pk.asymmetricKeyDetails ?? {};
  const keyType = pk.asymmetricKeyType ?? 'unknown';
  const keyBits = details.modulusLength ?? (details.namedCurve ? CURVE_BITS[details.namedCurve] : undefined) ?? (keyType === 'ed25519' ? 256 : keyType === 'ed448' ? 456 : undefined);
  const chain = chainPem
    ? pemBlocks(chainPem)
        .filter((b) => CERT_LABELS.has(b.label))
        .map((b, i) => chainEntry(readCertificate(b.text, `chain certificate ${i + 1}`)))
    : [];
  return {
    subject: x.subject.replace(/\n/g, ', '),
    commonName,
    altNames,
    issuer: x.issuer.replace(/\n/g, ', '),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    fingerprint256: x.fingerprint256,
    serial: x.serialNumber,
    selfSigned: isSelfSigned(x),
    isCa: x.ca,
    keyType,
    ...(keyBits !== undefined ? { keyBits } : {}),
    ...(details.namedCurve ? { curve: details.namedCurve } : {}),
    signatureAlgorithm: SIGNATURE_OIDS[signatureOid] ?? signatureOid,
    names,
    chain,
  };
}

export function describeCertificate(id: number, name: string, certPem: string): Certificate {
  return certificateOf(id, name, inspect(certPem));
}

/** The API's Certificate from an inspection already made (no second parse). */
export function certificateOf(id: number, name: string, i: CertificateInfo): Certificate {
  return {
    id,
    name,
    subject: i.subject,
    altNames: i.altNames,
    issuer: i.issuer,
    notBefore: i.notBefore,
    notAfter: i.notAfter,
    fingerprint256: i.fingerprint256,
    selfSigned: i.selfSigned,
  };
}

const ymd = (d: Date): string => d.toISOString().slice(0, 10);

/** A certificate within this many whole days of its end is "expiring" (Status, Diagnostics, the certificate list). */
export const EXPIRING_DAYS = 30;

export type ExpiryState = 'expired' | 'not-yet-valid' | 'expiring' | 'ok';

/** The one validity rule: whole days left (rounded down, negative once expired), and what that makes it. */
export function expiry(info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, now: Date): { daysLeft: number; state: ExpiryState } {
  const t = now.getTime();
  const notAfter = Date.parse(info.notAfter);
  const daysLeft = Math.floor((notAfter - t) / DAY_MS);
  const state: ExpiryState = notAfter < t ? 'expired' : Date.parse(info.notBefore) > t ? 'not-yet-valid' : daysLeft <= EXPIRING_DAYS ? 'expiring' : 'ok';
  return { daysLeft, state };
}

/** "N days" for an expiring certificate's message; 0 whole days left is still some hours. */
export const daysText = (daysLeft: number): string => (daysLeft < 1 ? 'less than a day' : `${daysLeft} day${daysLeft === 1 ? '' : 's'}`);

/** The message for a stored certificate whose key no longer opens (the sealing key file changed). */
export const UNDECRYPTABLE_KEY = 'its private key cannot be decrypted with this server\'s key (keys/secrets.key was replaced): import it again';

/**
 * What is worth telling the administrator about a certificate; none of it stops it from being used.
 * Works from an inspection already made (a PEM is inspected here, for callers that have none).
 */
export function checkCertificate(cert: CertificateInfo | string, now: Date): { warnings: string[] } {
  const x = typeof cert === 'string' ? inspect(cert) : cert;
  const warnings: string[] = [];
  const { daysLeft, state } = expiry(x, now);
  if (state === 'expired') warnings.push(`expired on ${ymd(new Date(x.notAfter))}`);
  else if (state === 'not-yet-valid') warnings.push(`not yet valid: valid from ${ymd(new Date(x.notBefore))}`);
  else if (state === 'expiring') warnings.push(`expires in ${daysText(daysLeft)} (${ymd(new Date(x.notAfter))})`);
  if (x.selfSigned) warnings.push('self-signed: mail clients will not trust it unless told to');
  if ((x.keyType === 'rsa' || x.keyType === 'rsa-pss') && x.keyBits !== undefined && x.keyBits < 2048) {
    warnings.push(`the RSA key has only ${x.keyBits} bits: use 2048 or more`);
  }
  const weak = WEAK_SIGNATURES[x.signatureAlgorithm];
  if (weak) warnings.push(`signed with ${weak}, which clients no longer accept`);
  return { warnings };
}

/**
 * RFC 6125 §6.4 name matching, case-insensitive, a trailing dot ignored. A wildcard is allowed only
 * as the whole left-most label (`*.example.com` matches `a.example.com`, not `example.com` nor
 * `a.b.example.com`), needs at least two labels after it (`*.com` matches nothing), and no
 * partial-label wildcards (`f*.example.com`, `*a.example.com`) or wildcards elsewhere.
 */
export function nameMatches(pattern: string, servername: string): boolean {
  const p = pattern.trim().toLowerCase().replace(/\.$/, '');
  const s = servername.trim().toLowerCase().replace(/\.$/, '');
  if (!p || !s || s.includes('*')) return false;
  if (!p.includes('*')) return p === s;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(2);
  if (rest.includes('*') || rest.split('.').length < 2 || rest.split('.').some((l) => l === '')) return false;
  if (/^[\d.]+$/.test(s) || s.includes(':')) return false;
  const dot = s.indexOf('.');
  if (dot <= 0) return false;
  return s.slice(dot + 1) === rest;
}
