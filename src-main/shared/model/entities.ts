// The objects of the settings tree as the admin API returns them (DTOs). Secrets (password hashes,
// private keys, the relayer password) never appear here.
import type { Settings } from './settings';

export type Protocol = 'smtp' | 'pop3' | 'imap';
export type PortSecurity = 'none' | 'starttls-optional' | 'starttls-required' | 'tls';
export type AdminLevel = 'user' | 'domain' | 'server';
export type ListMode = 'public' | 'membership' | 'announcements' | 'domain';

export interface Domain {
  readonly id: number;
  readonly name: string;
  readonly enabled: boolean;
  readonly catchAll: string;
  readonly plusAddressing: boolean;
  readonly plusAddressingChar: string;
  readonly maxMessageSizeKb: number;
  readonly maxSizeMb: number;
  readonly maxAccountSizeMb: number;
  readonly maxAccounts: number;
  readonly maxAliases: number;
  readonly maxLists: number;
  readonly aliases: readonly string[];
  readonly accountCount: number;
}

export interface Account {
  readonly id: number;
  readonly domainId: number;
  readonly address: string;
  readonly enabled: boolean;
  readonly quotaMb: number;
  readonly sizeBytes: number;
  readonly adminLevel: AdminLevel;
  readonly firstName: string;
  readonly lastName: string;
  readonly forwardEnabled: boolean;
  readonly forwardTo: string;
  readonly forwardKeepCopy: boolean;
  readonly autoReplyEnabled: boolean;
  readonly autoReplySubject: string;
  readonly autoReplyText: string;
  readonly autoReplyExpires: string | null;
  readonly lastLogonAt: string | null;
}

export interface Alias {
  readonly id: number;
  readonly domainId: number;
  readonly address: string;
  readonly target: string;
  readonly enabled: boolean;
}

export interface DistributionList {
  readonly id: number;
  readonly domainId: number;
  readonly address: string;
  readonly enabled: boolean;
  readonly mode: ListMode;
  readonly announcer: string;
  readonly requireAuth: boolean;
  readonly members: readonly string[];
}

export interface TcpIpPort {
  readonly id: number;
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
  readonly security: PortSecurity;
  readonly certificateId: number | null;
  readonly enabled: boolean;
}

export type ListenerState = 'listening' | 'failed' | 'stopped' | 'disabled';
export interface PortStatus extends TcpIpPort {
  readonly state: ListenerState;
  /** The port actually bound (differs from `port` when `port` is 0). */
  readonly boundPort: number | null;
  readonly error: string | null;
  readonly hint: string | null;
}

export interface IpRange {
  readonly id: number;
  readonly name: string;
  readonly priority: number;
  readonly lower: string;
  readonly upper: string;
  readonly expiresAt: string | null;
  readonly allowSmtp: boolean;
  readonly allowPop3: boolean;
  readonly allowImap: boolean;
  readonly allowLocalToLocal: boolean;
  readonly allowLocalToExternal: boolean;
  readonly allowExternalToLocal: boolean;
  readonly allowExternalToExternal: boolean;
  readonly authLocalToLocal: boolean;
  readonly authLocalToExternal: boolean;
  readonly authExternalToLocal: boolean;
  readonly authExternalToExternal: boolean;
  readonly antiSpam: boolean;
  readonly antiVirus: boolean;
  readonly requireTlsForAuth: boolean;
}

export interface BannedIp {
  readonly id: number;
  readonly ip: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/**
 * Settings › Protocols › SMTP › Routes: mail for `domain` (all its addresses, or only those
 * listed) goes to this host instead of the domain's MX or the smart host. The password is never
 * returned: `hasPassword` says whether one is stored.
 */
export interface Route {
  readonly id: number;
  readonly domain: string;
  readonly description: string;
  readonly host: string;
  readonly port: number;
  readonly security: PortSecurity;
  readonly verifyCertificate: boolean;
  readonly requiresAuth: boolean;
  readonly username: string;
  readonly hasPassword: boolean;
  readonly allAddresses: boolean;
  readonly addresses: readonly string[];
  readonly retries: number;
  readonly retryMinutes: number;
}

/** One queued message with its header, for "show message" (the body is not sent to the UI). */
export interface QueueMessage extends QueueItem {
  readonly header: string;
  readonly reasonText: string;
}

/** The outcome of `buzon smarthost test`. */
export interface SmartHostTestResult {
  readonly ok: boolean;
  readonly steps: readonly string[];
  readonly error: string | null;
}

/** A domain's DKIM signing: the key is generated in the app; the record is what to publish in DNS. */
export interface DkimInfo {
  readonly domainId: number;
  readonly domain: string;
  readonly enabled: boolean;
  readonly selector: string;
  readonly algorithm: 'rsa-sha256' | 'ed25519-sha256';
  readonly record: { readonly name: string; readonly type: 'TXT'; readonly value: string; readonly zoneLine: string } | null;
}

export interface Certificate {
  readonly id: number;
  readonly name: string;
  readonly subject: string;
  readonly altNames: readonly string[];
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
  readonly selfSigned: boolean;
}

/** A stored certificate as the "SSL certificates" screen shows it (never its private key). */
export interface CertificateInfo extends Certificate {
  readonly commonName: string;
  /** The names SNI matches it against (CN and DNS alternative names, lower-case). */
  readonly names: readonly string[];
  readonly serial: string;
  readonly isCa: boolean;
  readonly keyType: string;
  readonly keyBits: number | null;
  /** Intermediate certificates sent after it ('' when none). */
  readonly hasChain: boolean;
  /** Configured port numbers that name it; the default certificate also serves ports that name none. */
  readonly usedByPorts: readonly number[];
  readonly isDefault: boolean;
  readonly daysLeft: number;
  /** Expired, not yet valid, expiring within 30 days, weak key, its key cannot be opened … */
  readonly warnings: readonly string[];
}

export interface CertificateDetail extends CertificateInfo {
  readonly certPem: string;
  readonly chainPem: string;
}

/** A public part of a certificate to hand out (the local CA, for the students' machines). */
export interface CertificateExport {
  readonly filename: string;
  readonly pem: string;
}

export interface QueueRecipient {
  readonly address: string;
  readonly status: 'pending' | 'delivered' | 'deferred' | 'bounced';
  readonly lastError: string | null;
}
export interface QueueItem {
  readonly id: number;
  readonly createdAt: string;
  readonly mailFrom: string;
  readonly recipients: readonly QueueRecipient[];
  readonly size: number;
  readonly nextTryAt: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly reason: 'relay' | 'forward' | 'autoreply' | 'bounce';
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export interface LogEntry {
  readonly time: string;
  readonly level: LogLevel;
  readonly svc: string;
  readonly event?: string;
  readonly sid?: string;
  readonly ip?: string;
  readonly user?: string;
  readonly msg: string;
  readonly [extra: string]: unknown;
}

export interface ServerStatus {
  readonly running: boolean;
  readonly startedAt: string | null;
  readonly version: string;
  readonly dataDir: string;
  readonly hostName: string;
  readonly listeners: readonly PortStatus[];
  /** What the admin should act on: certificates expired or expiring within 30 days, keys that cannot be opened. */
  readonly warnings: readonly string[];
  readonly counters: Counters;
}

/** What the server counts since it started (Status page), and per minute (its traffic chart). */
export const COUNTER_KEYS = ['smtpSessions', 'pop3Sessions', 'imapSessions', 'messagesAccepted', 'messagesRejected', 'authFailures'] as const;
export type CounterKey = (typeof COUNTER_KEYS)[number];
export type Counters = Readonly<Record<CounterKey, number>>;
/** All six at zero, mutable (the server's own counters, a minute's bucket). */
export const zeroCounters = (): Record<CounterKey, number> => ({ smtpSessions: 0, pop3Sessions: 0, imapSessions: 0, messagesAccepted: 0, messagesRejected: 0, authFailures: 0 });

export type { Settings };

/** One folder (IMAP mailbox) of an account, for the account's Advanced tab. */
export interface FolderInfo {
  readonly name: string;
  /** \\Sent, \\Trash … or null. */
  readonly specialUse: string | null;
  readonly messages: number;
  readonly unseen: number;
  readonly sizeBytes: number;
  readonly subscribed: boolean;
}

/** What one minute of the server did (the Status page's traffic chart), newest last. */
export interface TrafficSample extends Counters {
  /** The minute's start, ISO 8601. */
  readonly at: string;
}

/** Utilities → MX query: where mail for a domain goes. */
export interface MxQueryResult {
  readonly domain: string;
  /** By priority, lowest first; empty when the domain has none. */
  readonly records: readonly { readonly exchange: string; readonly priority: number; readonly addresses: readonly string[] }[];
  /** No MX: mail goes to the domain's own A/AAAA addresses (RFC 5321 §5.1), listed here. */
  readonly implicit: readonly string[];
  /** Why the lookup failed (no such domain, no DNS server answered …), or null. */
  readonly error: string | null;
  readonly ms: number;
}

export type DiagnosticGroup = 'ports' | 'certificates' | 'dns' | 'relay';
export type DiagnosticStatus = 'ok' | 'warning' | 'error';

/** One check of Utilities → Diagnostics. */
export interface DiagnosticCheck {
  readonly group: DiagnosticGroup;
  /** What was checked: "SMTP 0.0.0.0:25", "aula.test MX", a certificate's name … */
  readonly subject: string;
  readonly status: DiagnosticStatus;
  /** What was found, and what to do about it when it is not ok. */
  readonly detail: string;
}

export interface DiagnosticsReport {
  readonly at: string;
  readonly ms: number;
  readonly checks: readonly DiagnosticCheck[];
}

export type LabPresetId = 'telnet-lab' | 'starttls-required' | 'implicit-tls';

/** A classroom preset: a set of changes applied in one click and reverted in one click. */
export interface LabPreset {
  readonly id: LabPresetId;
  readonly applied: boolean;
  readonly appliedAt: string | null;
  /** What applying it changes, one line each (English; the page names the preset in its language). */
  readonly changes: readonly string[];
}
