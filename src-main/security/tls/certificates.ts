// Certificates: generate a self-signed certificate with node-forge (the key pair comes from
// node:crypto, which is native and fast), and describe a PEM certificate for the admin API.
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { Certificate } from '../../shared/model/entities';

export interface GeneratedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export function generateSelfSigned(opts: { commonName: string; altNames?: readonly string[]; days?: number; now?: Date }): GeneratedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pubPem);
  // Positive 16-byte serial (RFC 5280 §4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = opts.now ?? new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (opts.days ?? 825) * 86_400_000);
  const attrs = [
    { name: 'commonName', value: opts.commonName },
    { name: 'organizationName', value: 'Buzón mail server' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const names = [...new Set([opts.commonName, ...(opts.altNames ?? [])])];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n })),
    },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

export function describeCertificate(id: number, name: string, certPem: string): Certificate {
  const x = new X509Certificate(certPem);
  const altNames = (x.subjectAltName ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((s) => s.replace(/^(DNS|IP Address):/, ''));
  return {
    id,
    name,
    subject: x.subject.replace(/\n/g, ', '),
    altNames,
    issuer: x.issuer.replace(/\n/g, ', '),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    fingerprint256: x.fingerprint256,
    selfSigned: x.subject === x.issuer,
  };
}
