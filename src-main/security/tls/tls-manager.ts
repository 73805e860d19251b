// The TLS side of every listener: one SecureContext per stored certificate, the port's default
// certificate for clients that send no server name, and SNI for those that do (across SMTP,
// POP3 and IMAP, STARTTLS and implicit TLS alike).
//
// Listeners never hold a certificate themselves: they ask this manager when a handshake starts.
// So replacing or renewing a certificate (or changing the TLS settings) is a reload() here and a
// setSecureContext() on each implicit-TLS server: the next handshake gets the new one, and the
// sessions already open keep theirs (nothing is re-bound, nobody is disconnected).
import { constants as cryptoConstants } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { inspect, nameMatches } from './certificates';

export interface CertificateMaterial {
  readonly id: number;
  readonly certPem: string;
  readonly keyPem: string;
  /** Intermediate certificates, PEM, leaf's issuer first ('' for none). */
  readonly chainPem: string;
}

/**
 * The TLS 1.2 suites when `tls.ciphers` is empty: Mozilla's "intermediate" list without the DHE
 * ones (ECDHE key exchange, AEAD only). Node's own default also has CBC and static-RSA suites,
 * which testssl.sh reports (LUCKY13, no forward secrecy); every client of the last decade has
 * these. TLS 1.3 suites are OpenSSL's and always AEAD.
 */
export const DEFAULT_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsSettings {
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list for TLS 1.2 ('' = DEFAULT_CIPHERS). */
  readonly ciphers: string;
  /** Prefer the server's cipher order over the client's. */
  readonly honorCipherOrder: boolean;
}

/** What tls.createServer(), setSecureContext() and smtp-server take. */
export interface TlsServerOptions {
  readonly key: string;
  readonly cert: string;
  readonly minVersion: TlsSettings['minVersion'];
  readonly ciphers?: string;
  readonly honorCipherOrder: boolean;
  /** OpenSSL options: no renegotiation at all (a client-initiated one is a DoS lever, and mail never needs it). */
  readonly secureOptions: number;
}

export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/** A port's view of the manager: read at each handshake, so always current. */
export interface PortTls {
  options(): TlsServerOptions;
  context(): SecureContext;
  readonly SNICallback: SniCallback;
}

interface Loaded {
  readonly id: number;
  readonly options: TlsServerOptions;
  readonly context: SecureContext;
  readonly names: readonly string[];
  readonly notAfter: number;
  /** A CA (the local one) issues certificates; it serves a port only when the admin assigns it. */
  readonly isCa: boolean;
}

export class TlsManager {
  private loaded: Loaded[] = [];
  private failures = new Map<number, string>();

  /** Empty until the first reload(): contexts are built when a server starts, not for every CLI command. */
  constructor(
    private readonly load: () => readonly CertificateMaterial[],
    private readonly settings: () => TlsSettings,
  ) {}

  /** Builds every context from the store (at start, and when certificates or TLS settings change). */
  reload(): void {
    const s = this.settings();
    const next: Loaded[] = [];
    const failures = new Map<number, string>();
    for (const c of this.load()) {
      const options: TlsServerOptions = {
        key: c.keyPem,
        cert: c.chainPem ? `${c.certPem.trim()}\n${c.chainPem.trim()}\n` : c.certPem,
        minVersion: s.minVersion,
        ciphers: s.ciphers || DEFAULT_CIPHERS,
        honorCipherOrder: s.honorCipherOrder,
        secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
      };
      try {
        const info = inspect(c.certPem);
        next.push({ id: c.id, options, context: createSecureContext(options), names: info.names, notAfter: Date.parse(info.notAfter), isCa: info.isCa });
      } catch (e) {
        // One broken certificate (a key that no longer opens) must not take TLS down for all.
        failures.set(c.id, (e as Error).message);
      }
    }
    this.loaded = next;
    this.failures = failures;
  }

  /** Certificates that could not be loaded at the last reload(), with the reason (shown in status). */
  problems(): ReadonlyMap<number, string> {
    return this.failures;
  }

  /** The certificate a port uses when the client names no server: its own, else the oldest one. */
  private defaultFor(certificateId: number | null): Loaded | undefined {
    return (certificateId !== null ? this.loaded.find((l) => l.id === certificateId) : undefined) ?? this.loaded.find((l) => !l.isCa);
  }

  /** The certificate for a requested server name: the port's own if it matches, else any that does. */
  private forName(certificateId: number | null, servername: string): Loaded | undefined {
    const own = this.defaultFor(certificateId);
    const name = servername.toLowerCase().replace(/\.$/, '');
    if (own && own.names.some((n) => nameMatches(n, name))) return own;
    // Exact names before wildcards; among several, the one valid longest.
    const candidates = this.loaded.filter((l) => !l.isCa && l.names.some((n) => nameMatches(n, name)));
    candidates.sort((a, b) => Number(b.names.includes(name)) - Number(a.names.includes(name)) || b.notAfter - a.notAfter);
    return candidates[0] ?? own;
  }

  /** undefined when there is no usable certificate at all. */
  forPort(certificateId: number | null): PortTls | undefined {
    if (!this.defaultFor(certificateId)) return undefined;
    const current = (): Loaded => {
      const l = this.defaultFor(certificateId);
      if (!l) throw new Error('no certificate');
      return l;
    };
    return {
      options: () => current().options,
      context: () => current().context,
      SNICallback: (servername, cb) => {
        try {
          cb(null, this.forName(certificateId, servername)?.context);
        } catch (e) {
          cb(e as Error);
        }
      },
    };
  }
}
