// Server-wide settings: one typed key per field of hMailServer's "Settings" pages, with
// hMailServer's defaults (ANCHORS.md §1.7, §1.10, §1.11) unless a comment says why ours differ.
// Runtime-neutral: used by the engine, the CLI and the renderer's forms.
import { z } from 'zod';

const hostName = z
  .string()
  .max(253)
  .regex(/^$|^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'not a valid host name');
const noNewlines = (max: number) => z.string().max(max).regex(/^[^\r\n]*$/, 'must be a single line');
const security = z.enum(['none', 'starttls-optional', 'starttls-required', 'tls']);

export const SETTINGS_SCHEMA = z.object({
  // Settings › Advanced / general
  'server.hostName': hostName.describe('Host name used in greetings, EHLO and Received headers (empty: the computer name)'),
  'server.defaultDomain': hostName.describe('Domain appended to logons and addresses given without a domain'),
  // Settings › Protocols
  'protocols.smtp': z.boolean(),
  'protocols.pop3': z.boolean(),
  'protocols.imap': z.boolean(),
  // Settings › Protocols › SMTP › General
  'smtp.maxConnections': z.number().int().min(0).max(100000),
  'smtp.welcomeMessage': noNewlines(200),
  'smtp.maxMessageSizeKb': z.number().int().min(0).max(2097152),
  // Delivery of e-mail
  'smtp.retries': z.number().int().min(0).max(100),
  'smtp.retryMinutes': z.number().int().min(1).max(100000),
  'smtp.heloName': hostName,
  'smtp.relayer.host': hostName,
  'smtp.relayer.port': z.number().int().min(1).max(65535),
  'smtp.relayer.requiresAuth': z.boolean(),
  'smtp.relayer.username': noNewlines(256),
  'smtp.relayer.password': z.string().max(1024),
  'smtp.relayer.security': security,
  // Check the smart host's certificate with SSL/TLS and "STARTTLS (Required)" (a lab's own
  // second server with a self-signed certificate needs this off).
  'smtp.relayer.verifyCertificate': z.boolean(),
  // Auto-reply: one reply per sender per this many days (RFC 3834 §2 suggests 7).
  'smtp.autoReplyDays': z.number().int().min(1).max(365),
  // Settings › Advanced › Server messages: the non-delivery report. Empty: the built-in text.
  // Placeholders: %MACRO_RECIPIENTS%, %MACRO_SUBJECT%, %MACRO_SENT%, %MACRO_ERROR%.
  'messages.undeliverable.subject': noNewlines(200),
  'messages.undeliverable.body': z.string().max(20000),
  // RFC compliance
  'smtp.allowPlainAuth': z.boolean(),
  'smtp.allowEmptySender': z.boolean(),
  'smtp.allowBareLineFeeds': z.boolean(),
  'smtp.disconnectAfterInvalidCommands': z.boolean(),
  'smtp.maxInvalidCommands': z.number().int().min(1).max(10000),
  // Advanced
  'smtp.maxRecipients': z.number().int().min(1).max(100000),
  'smtp.useStartTlsIfAvailable': z.boolean(),
  'smtp.maxMxHosts': z.number().int().min(1).max(100),
  'smtp.addDeliveredTo': z.boolean(),
  'smtp.reverseLookup': z.boolean(),
  // Seconds the greeting waits (Postfix postscreen's "greet wait"): a client that talks first is
  // an early talker (a spam bot) and gets 421. 0: only smtp-server's own 100 ms.
  'smtp.greetingDelaySeconds': z.number().int().min(0).max(30),
  // POP3 / IMAP (used by their issues)
  'pop3.maxConnections': z.number().int().min(0).max(100000),
  'pop3.welcomeMessage': noNewlines(200),
  'imap.maxConnections': z.number().int().min(0).max(100000),
  'imap.welcomeMessage': noNewlines(200),
  'imap.hierarchyDelimiter': z.enum(['/', '.', '\\']),
  // Settings › Advanced › Auto-ban
  'autoban.enabled': z.boolean(),
  'autoban.maxAttempts': z.number().int().min(1).max(1000),
  'autoban.resetMinutes': z.number().int().min(1).max(100000),
  'autoban.banMinutes': z.number().int().min(1).max(1000000),
  // Addresses and CIDR blocks never banned (the teacher's PC, the school's NAT): "a, b/24".
  'autoban.exempt': z.string().max(4000),
  // Connections open at once from one IP, all protocols together (0 = no limit).
  'security.maxConnectionsPerIp': z.number().int().min(0).max(100000),
  // Settings › Logging
  'logging.enabled': z.boolean(),
  'logging.application': z.boolean(),
  'logging.smtp': z.boolean(),
  'logging.pop3': z.boolean(),
  'logging.imap': z.boolean(),
  'logging.tcpip': z.boolean(),
  'logging.debug': z.boolean(),
  'logging.keepDays': z.number().int().min(1).max(3650),
  // Web admin (`buzon serve`): the UI in a browser. On 127.0.0.1 by default; any other address is
  // served over HTTPS with the server's certificate.
  'webadmin.enabled': z.boolean(),
  'webadmin.address': z.string().max(64).regex(/^(127\.0\.0\.1|::1|0\.0\.0\.0|::|[0-9.]+|[0-9a-fA-F:]+)$/, 'an IP address of this computer'),
  'webadmin.port': z.number().int().min(1).max(65535),
  // Settings › Advanced › SSL/TLS
  'tls.minVersion': z.enum(['TLSv1.2', 'TLSv1.3']),
  // OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are fixed by OpenSSL). Empty: ECDHE with
  // AES-GCM or ChaCha20-Poly1305 only (Mozilla's "intermediate" list; see tls-manager.ts).
  'tls.ciphers': noNewlines(2000),
  'tls.preferServerCiphers': z.boolean(),
});

export type Settings = z.infer<typeof SETTINGS_SCHEMA>;
export type SettingKey = keyof Settings;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  'server.hostName': '',
  'server.defaultDomain': '',
  'protocols.smtp': true,
  'protocols.pop3': true,
  'protocols.imap': true,
  'smtp.maxConnections': 0,
  'smtp.welcomeMessage': '',
  'smtp.maxMessageSizeKb': 20480,
  'smtp.retries': 4,
  'smtp.retryMinutes': 60,
  'smtp.heloName': '',
  'smtp.relayer.host': '',
  'smtp.relayer.port': 25,
  'smtp.relayer.requiresAuth': false,
  'smtp.relayer.username': '',
  'smtp.relayer.password': '',
  'smtp.relayer.security': 'none',
  'smtp.relayer.verifyCertificate': true,
  'smtp.autoReplyDays': 7,
  'messages.undeliverable.subject': '',
  'messages.undeliverable.body': '',
  // hMailServer: AUTH PLAIN is only offered when "Allow plain text authentication" is ticked.
  // Ours offers PLAIN and LOGIN alike, but only over TLS or from a range that allows plaintext.
  'smtp.allowPlainAuth': true,
  'smtp.allowEmptySender': true,
  // "Allow incorrectly formatted line endings": on in hMailServer. Ours applies it only to
  // clients that type bare LF themselves (netcat), never to CRLF clients (SMTP smuggling).
  'smtp.allowBareLineFeeds': true,
  // hMailServer: off (never disconnect). Ours closes a session after 100 unrecognised commands,
  // so a client spraying garbage does not hold a connection open until the idle time-out.
  'smtp.disconnectAfterInvalidCommands': true,
  'smtp.maxInvalidCommands': 100,
  'smtp.maxRecipients': 100,
  'smtp.useStartTlsIfAvailable': true,
  'smtp.maxMxHosts': 15,
  // hMailServer: off. The course notes and Postfix add it; it lets loops be detected.
  'smtp.addDeliveredTo': true,
  // smtp-server looks up the client's reverse DNS before the greeting; on a lab LAN without
  // DNS that delays every greeting by the resolver time-out, so it is off by default.
  'smtp.reverseLookup': false,
  'smtp.greetingDelaySeconds': 0,
  'pop3.maxConnections': 0,
  'pop3.welcomeMessage': '',
  'imap.maxConnections': 0,
  'imap.welcomeMessage': '',
  'imap.hierarchyDelimiter': '/',
  'autoban.enabled': true,
  'autoban.maxAttempts': 3,
  'autoban.resetMinutes': 30,
  'autoban.banMinutes': 60,
  'autoban.exempt': '',
  'security.maxConnectionsPerIp': 50,
  // hMailServer: logging off by default. Ours logs to daily files from the start, since the live
  // log is how classrooms see what the server did.
  'logging.enabled': true,
  'logging.application': true,
  'logging.smtp': true,
  'logging.pop3': true,
  'logging.imap': true,
  'logging.tcpip': false,
  'logging.debug': false,
  'logging.keepDays': 30,
  'webadmin.enabled': true,
  'webadmin.address': '127.0.0.1',
  'webadmin.port': 8090,
  'tls.minVersion': 'TLSv1.2',
  'tls.ciphers': '',
  'tls.preferServerCiphers': true,
});

export const SETTING_KEYS = Object.keys(SETTINGS_SCHEMA.shape) as SettingKey[];

/** Settings that hold secrets: never shown in exports or API reads in clear. */
export const SECRET_SETTINGS: ReadonlySet<SettingKey> = new Set<SettingKey>(['smtp.relayer.password']);

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS_SCHEMA.shape, key);
}
