// The rows that "Default" buttons restore (hMailAdmin's TCP/IP ports and IP ranges pages).
// Migrations 0002 (SMTP), 0003 (POP3) and 0004 (IMAP) seed the same values into a fresh database.
import type { IpRange, TcpIpPort } from '../shared/model/entities';

export const DEFAULT_PORTS: ReadonlyArray<Omit<TcpIpPort, 'id' | 'certificateId'>> = [
  { protocol: 'smtp', address: '0.0.0.0', port: 25, security: 'starttls-optional', enabled: true },
  { protocol: 'smtp', address: '0.0.0.0', port: 587, security: 'starttls-optional', enabled: true },
  { protocol: 'smtp', address: '0.0.0.0', port: 465, security: 'tls', enabled: false },
  { protocol: 'pop3', address: '0.0.0.0', port: 110, security: 'starttls-optional', enabled: true },
  { protocol: 'pop3', address: '0.0.0.0', port: 995, security: 'tls', enabled: false },
  { protocol: 'imap', address: '0.0.0.0', port: 143, security: 'starttls-optional', enabled: true },
  { protocol: 'imap', address: '0.0.0.0', port: 993, security: 'tls', enabled: false },
];

const ALL_ALLOWED = {
  expiresAt: null,
  allowSmtp: true,
  allowPop3: true,
  allowImap: true,
  allowLocalToLocal: true,
  allowLocalToExternal: true,
  allowExternalToLocal: true,
  allowExternalToExternal: true,
  antiSpam: true,
  antiVirus: true,
} as const;

export const DEFAULT_IP_RANGES: ReadonlyArray<Omit<IpRange, 'id'>> = [
  {
    name: 'My computer',
    priority: 30,
    lower: '127.0.0.1',
    upper: '127.0.0.1',
    ...ALL_ALLOWED,
    authLocalToLocal: false,
    authLocalToExternal: false,
    authExternalToLocal: false,
    authExternalToExternal: true,
    requireTlsForAuth: false,
  },
  {
    name: 'Internet',
    priority: 10,
    lower: '0.0.0.0',
    upper: '255.255.255.255',
    ...ALL_ALLOWED,
    authLocalToLocal: true,
    authLocalToExternal: true,
    authExternalToLocal: false,
    authExternalToExternal: true,
    requireTlsForAuth: true,
  },
];
