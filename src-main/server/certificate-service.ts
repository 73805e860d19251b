// The "SSL certificates" node of the admin API: list and inspect, generate (self-signed, or issued
// by the server's local CA so a classroom installs one root once), import PEM or PFX, export the
// public parts, renew or replace in place, remove. Private keys never leave through here; they are
// sealed at rest by the repository. A certificate change reaches the listeners through
// changed('certificates'): new handshakes use it, open sessions are not touched.
import type { ConfigRepo } from '../store/config-repo';
import type { Clock } from './clock';
import type { MainApiImpl } from '../shared/ipc/contract';
import type { CertificateInfo } from '../shared/model/entities';
import { ApiError } from '../shared/ipc/errors';
import {
  CertificateError,
  checkCertificate,
  defaultNames,
  certificateOf,
  expiry,
  generateLocalCa,
  generateSelfSigned,
  generateSignedBy,
  inspect,
  parsePemParts,
  parsePfx,
  UNDECRYPTABLE_KEY,
} from '../security/tls/certificates';

const LOCAL_CA_PREFIX = 'Local CA';

type Row = ReturnType<ConfigRepo['listCertificateRows']>[number];

export function createCertificateApi(repo: ConfigRepo, clock: Clock, changed: (area: string) => void, guard: <T>(fn: () => T) => T): MainApiImpl['certificates'] {
  /** Each row inspected once; the default is the oldest usable certificate that is not a CA (as TlsManager chooses). */
  function infos(all: Row[], ports: Map<number, number[]>): CertificateInfo[] {
    const inspected = all.map((row) => ({ row, x: inspect(row.certPem, row.chainPem || undefined) }));
    const defaultId = inspected.find(({ row, x }) => row.keyPem !== '' && !x.isCa)?.row.id;
    return inspected.map(({ row, x }) => info(row, x, row.id === defaultId, ports));
  }

  function info(row: Row, x: ReturnType<typeof inspect>, isDefault: boolean, ports: Map<number, number[]>): CertificateInfo {
    const now = clock.now();
    const warnings = checkCertificate(x, now).warnings;
    if (repo.unreadableCertificates.has(row.id)) warnings.unshift(UNDECRYPTABLE_KEY);
    if (x.isCa) warnings.push('a CA certificate: it issues server certificates, do not assign it to ports');
    return {
      ...certificateOf(row.id, row.name, x),
      commonName: x.commonName,
      names: x.names,
      serial: x.serial,
      isCa: x.isCa,
      keyType: x.keyType,
      keyBits: x.keyBits ?? null,
      hasChain: row.chainPem.trim() !== '',
      usedByPorts: ports.get(row.id) ?? [],
      isDefault,
      daysLeft: expiry(x, now).daysLeft,
      warnings,
    };
  }

  function infoOf(id: number): CertificateInfo {
    const found = infos(repo.listCertificateRows(), repo.certificatePorts()).find((c) => c.id === id);
    if (!found) throw new ApiError('NOT_FOUND', `certificate ${id} not found`, 'id');
    return found;
  }

  function rowOf(id: number): Row {
    const row = repo.listCertificateRows().find((c) => c.id === id);
    if (!row) throw new ApiError('NOT_FOUND', `certificate ${id} not found`, 'id');
    return row;
  }

  /** Stores a new certificate, or replaces one in place (renewal: its ports keep it). */
  function store(name: string, certPem: string, keyPem: string, chainPem: string, replaceId: number | undefined): number {
    if (replaceId !== undefined) {
      guard(() => repo.replaceCertificate(replaceId, certPem, keyPem, chainPem));
      return replaceId;
    }
    return guard(() => repo.addCertificate(name, certPem, keyPem, chainPem));
  }

  /** The local CA with its key: the existing one, or a new one named after the first server name. */
  function localCa(commonName: string): { certPem: string; keyPem: string } {
    const ca = repo.listCertificateRows().find((c) => c.keyPem !== '' && c.name.startsWith(LOCAL_CA_PREFIX) && inspect(c.certPem).isCa);
    if (ca) return ca;
    const g = generateLocalCa({ commonName: `Buzon ${LOCAL_CA_PREFIX} (${commonName})`, now: clock.now() });
    guard(() => repo.addCertificate(`${LOCAL_CA_PREFIX} (${commonName})`, g.certPem, g.keyPem));
    return g;
  }

  const fromCertificateError = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CertificateError) throw new ApiError('VALIDATION', `${e.field}: ${e.message}`, e.field);
      throw e;
    }
  };

  return {
    list: () => infos(repo.listCertificateRows(), repo.certificatePorts()),
    get: ({ id }) => {
      const row = rowOf(id);
      return { ...infoOf(id), certPem: row.certPem, chainPem: row.chainPem };
    },
    generateSelfSigned: ({ name, commonName, altNames: given, days, kind, replaceId }) => {
      if (replaceId !== undefined) rowOf(replaceId);
      // No names given: the host name and its smtp./imap./pop. siblings, as clients are set up.
      const altNames = given.length ? given : defaultNames(commonName);
      const now = clock.now();
      let id: number;
      if (kind === 'local-ca') {
        const ca = localCa(commonName);
        const g = generateSignedBy(ca, { commonName, altNames, days, now });
        id = store(name, g.certPem, g.keyPem, g.chainPem, replaceId);
      } else {
        const g = generateSelfSigned({ commonName, altNames, days, now });
        id = store(name, g.certPem, g.keyPem, '', replaceId);
      }
      changed('certificates');
      return infoOf(id);
    },
    import: ({ name, certPem, keyPem, passphrase, pfxBase64, replaceId }) => {
      if (replaceId !== undefined) rowOf(replaceId);
      const parsed = fromCertificateError(() =>
        pfxBase64 !== undefined ? parsePfx(Buffer.from(pfxBase64, 'base64'), passphrase ?? '') : parsePemParts(certPem ?? '', keyPem, passphrase),
      );
      const now = clock.now();
      const x = fromCertificateError(() => inspect(parsed.certPem));
      // Refused: a certificate no client would accept at all. Warned: what still works for now.
      if (Date.parse(x.notAfter) <= now.getTime()) throw new ApiError('VALIDATION', `cert: the certificate expired on ${x.notAfter.slice(0, 10)}`, 'cert');
      const id = store(name, parsed.certPem, parsed.keyPem, parsed.chainPem, replaceId);
      changed('certificates');
      return { certificate: infoOf(id), warnings: checkCertificate(x, now).warnings };
    },
    export: ({ id, part }) => {
      const row = rowOf(id);
      const safe = row.name.replace(/[^\w.-]+/g, '_');
      if (part === 'certificate') return { filename: `${safe}.crt`, pem: row.certPem.trim() + '\n' };
      const chain = splitPem(row.chainPem);
      if (part === 'chain') {
        if (!chain.length) throw new ApiError('NOT_FOUND', `certificate ${id} has no chain`, 'part');
        return { filename: `${safe}-chain.crt`, pem: chain.join('\n') + '\n' };
      }
      // The root: the last of the chain, or the certificate itself when it is its own issuer.
      const root = chain.at(-1) ?? (inspect(row.certPem).selfSigned ? row.certPem.trim() : undefined);
      if (!root) throw new ApiError('NOT_FOUND', `certificate ${id} came without its CA: export the CA from where it was issued`, 'part');
      return { filename: `${safe}-ca.crt`, pem: root + '\n' };
    },
    remove: ({ id }) => {
      // Certificates a removed local CA issued keep working (each keeps its chain); the next
      // local-CA certificate makes a new CA, which clients have to trust again.
      guard(() => repo.removeCertificate(id));
      changed('certificates');
    },
  };
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
