// zod schemas for every admin API input. The same schemas validate at the main-process boundary
// (IPC, HTTP, CLI) and drive the renderer's forms, so a field error reads the same everywhere.
import { z } from 'zod';

// RFC 1035 labels; IDN domains are given in their A-label (punycode) or U-label form.
const DOMAIN_RE = /^(?=.{1,253}$)([A-Za-z0-9\u00a1-\uffff]([A-Za-z0-9\u00a1-\uffff-]{0,61}[A-Za-z0-9\u00a1-\uffff])?)(\.([A-Za-z0-9\u00a1-\uffff]([A-Za-z0-9\u00a1-\uffff-]{0,61}[A-Za-z0-9\u00a1-\uffff])?))*$/;
// Dot-atom local part (RFC 5322 §3.4.1) plus UTF-8 (RFC 6531); no quoted strings.
const LOCAL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+)*$/;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Loose IPv6 shape check (hex groups, at most one '::'); the server re-checks with ipaddr.js.
const IPV6 = (s: string): boolean => /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':') && s.split('::').length <= 2 && s.split(':').length <= 8;
export const domainName = z
  .string()
  .trim()
  .min(1, 'required')
  .max(253)
  .regex(DOMAIN_RE, 'not a valid domain name')
  .transform((s) => s.toLowerCase());

const isEmailAddress = (s: string): boolean => {
  const at = s.lastIndexOf('@');
  if (at < 1) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  return local.length <= 64 && LOCAL_RE.test(local) && DOMAIN_RE.test(domain);
};
const NOT_AN_ADDRESS = 'not a valid e-mail address (name@domain)';

export const emailAddress = z
  .string()
  .trim()
  .min(1, 'required')
  .max(254)
  .refine(isEmailAddress, NOT_AN_ADDRESS)
  .transform((s) => s.toLowerCase());

/** An address or '' (none): one schema, so a bad value gets the address's message, not a union's "Invalid input". */
const emailAddressOrNone = z
  .string()
  .trim()
  .max(254)
  .refine((s) => s === '' || isEmailAddress(s), NOT_AN_ADDRESS)
  .transform((s) => s.toLowerCase());

/**
 * An update schema: every field optional and without its default, so that a field left out of
 * an update keeps its stored value (zod 4 applies defaults even inside .partial()).
 */
function updateOf<T extends z.ZodRawShape>(obj: z.ZodObject<T>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(obj.shape)) {
    const inner = v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType);
    shape[k] = inner.optional();
  }
  return z.object(shape) as unknown as z.ZodObject<{ [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer I> ? I : T[K]> }>;
}

export const password = z.string().min(6, 'at least 6 characters').max(256);
export const adminPasswordInput = z.object({ password: z.string().min(8, 'at least 8 characters').max(256) });
export const id = z.number().int().positive();

const optionalDateIso = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid date')
  .nullable();

export const domainInput = z.object({
  name: domainName,
  enabled: z.boolean().default(true),
  catchAll: emailAddressOrNone.default(''),
  plusAddressing: z.boolean().default(false),
  plusAddressingChar: z.enum(['+', '-', '_', '%']).default('+'),
  maxMessageSizeKb: z.number().int().min(0).max(2097152).default(0),
  maxSizeMb: z.number().int().min(0).default(0),
  maxAccountSizeMb: z.number().int().min(0).default(0),
  maxAccounts: z.number().int().min(0).default(0),
  maxAliases: z.number().int().min(0).default(0),
  maxLists: z.number().int().min(0).default(0),
  aliases: z.array(domainName).default([]),
});
export type DomainInput = z.input<typeof domainInput>;
export const domainUpdate = updateOf(domainInput).extend({ id });
export type DomainUpdate = z.input<typeof domainUpdate>;

export const adminLevel = z.enum(['user', 'domain', 'server']);

export const accountInput = z.object({
  address: emailAddress,
  password,
  enabled: z.boolean().default(true),
  quotaMb: z.number().int().min(0).max(10_000_000).default(0),
  adminLevel: adminLevel.default('user'),
  firstName: z.string().max(100).default(''),
  lastName: z.string().max(100).default(''),
  forwardEnabled: z.boolean().default(false),
  forwardTo: emailAddressOrNone.default(''),
  forwardKeepCopy: z.boolean().default(true),
  autoReplyEnabled: z.boolean().default(false),
  autoReplySubject: z.string().max(200).regex(/^[^\r\n]*$/, 'must be a single line').default(''),
  autoReplyText: z.string().max(100_000).default(''),
  autoReplyExpires: optionalDateIso.default(null),
});
export type AccountInput = z.input<typeof accountInput>;
/** An update never carries the password; use accounts.setPassword. */
export const accountUpdate = updateOf(accountInput.omit({ address: true, password: true })).extend({ id });
export type AccountUpdate = z.input<typeof accountUpdate>;
export const setPasswordInput = z.object({ id, password });

export const aliasInput = z.object({
  address: emailAddress,
  target: emailAddress,
  enabled: z.boolean().default(true),
});
export type AliasInput = z.input<typeof aliasInput>;
export const aliasUpdate = updateOf(aliasInput).extend({ id });

export const listMode = z.enum(['public', 'membership', 'announcements', 'domain']);
export const listInput = z.object({
  address: emailAddress,
  enabled: z.boolean().default(true),
  mode: listMode.default('public'),
  announcer: emailAddressOrNone.default(''),
  requireAuth: z.boolean().default(false),
  members: z.array(emailAddress).default([]),
});
export type ListInput = z.input<typeof listInput>;
export const listUpdate = updateOf(listInput.omit({ members: true })).extend({ id });
export const listMemberInput = z.object({ listId: id, address: emailAddress });

export const protocol = z.enum(['smtp', 'pop3', 'imap']);
export const portSecurity = z.enum(['none', 'starttls-optional', 'starttls-required', 'tls']);
const bindAddress = z
  .string()
  .trim()
  .refine((s) => s === '' || IPV4.test(s) || IPV6(s), 'not an IP address')
  .default('0.0.0.0');
export const portInput = z.object({
  protocol,
  address: bindAddress,
  port: z.number().int().min(0, 'port must be 0–65535').max(65535, 'port must be 0–65535'),
  security: portSecurity.default('none'),
  certificateId: id.nullable().default(null),
  enabled: z.boolean().default(true),
});
export type PortInput = z.input<typeof portInput>;
export const portUpdate = updateOf(portInput).extend({ id });

const ipString = z
  .string()
  .trim()
  .refine((s) => IPV4.test(s) || IPV6(s), 'not an IP address');
export const ipRangeInput = z.object({
  name: z.string().trim().min(1, 'required').max(100),
  priority: z.number().int().min(0).max(1000).default(20),
  lower: ipString,
  upper: ipString,
  expiresAt: optionalDateIso.default(null),
  allowSmtp: z.boolean().default(true),
  allowPop3: z.boolean().default(true),
  allowImap: z.boolean().default(true),
  allowLocalToLocal: z.boolean().default(true),
  allowLocalToExternal: z.boolean().default(true),
  allowExternalToLocal: z.boolean().default(true),
  allowExternalToExternal: z.boolean().default(true),
  authLocalToLocal: z.boolean().default(true),
  authLocalToExternal: z.boolean().default(true),
  authExternalToLocal: z.boolean().default(false),
  authExternalToExternal: z.boolean().default(true),
  antiSpam: z.boolean().default(true),
  antiVirus: z.boolean().default(true),
  requireTlsForAuth: z.boolean().default(true),
});
export type IpRangeInput = z.input<typeof ipRangeInput>;
export const ipRangeUpdate = updateOf(ipRangeInput).extend({ id });

export const settingSetInput = z.object({ key: z.string(), value: z.unknown() });

export const banInput = z.object({
  ip: ipString,
  minutes: z.number().int().min(1).max(1_000_000).default(60),
  reason: z.string().max(200).default('manual'),
});

const routeHost = z
  .string()
  .trim()
  .min(1, 'required')
  .max(253)
  .refine((h) => DOMAIN_RE.test(h) || IPV4.test(h) || IPV6(h), 'not a host name or IP address');
export const routeInput = z.object({
  domain: domainName,
  description: z.string().max(200).regex(/^[^\r\n]*$/, 'must be a single line').default(''),
  host: routeHost,
  port: z.number().int().min(1, '1–65535').max(65535, '1–65535').default(25),
  security: portSecurity.default('none'),
  verifyCertificate: z.boolean().default(true),
  requiresAuth: z.boolean().default(false),
  username: z.string().max(256).regex(/^[^\r\n]*$/, 'must be a single line').default(''),
  /** Left out of an update: the stored password stays. '' removes it. */
  password: z.string().max(1024).optional(),
  allAddresses: z.boolean().default(true),
  addresses: z.array(emailAddress).max(10000).default([]),
  retries: z.number().int().min(0).max(100).default(4),
  retryMinutes: z.number().int().min(1).max(100000).default(60),
});
export type RouteInput = z.input<typeof routeInput>;
export const routeUpdate = updateOf(routeInput).extend({ id });

export const smartHostTestInput = z.object({ to: z.string().trim().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an e-mail address') });

export const dkimDomainInput = z.object({ domainId: id });
export const dkimGenerateInput = z.object({
  domainId: id,
  selector: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'a DNS label: letters, digits and hyphens')
    .default('buzon'),
  algorithm: z.enum(['rsa-sha256', 'ed25519-sha256']).default('rsa-sha256'),
});

const certificateName = z.string().trim().min(1, 'required').max(100).regex(/^[^\r\n]*$/, 'must be a single line');
export const certificateGenerateInput = z.object({
  name: certificateName,
  commonName: z.string().trim().min(1, 'required').max(253),
  altNames: z.array(z.string().trim().min(1)).default([]),
  days: z.number().int().min(1).max(3650).default(825),
  /** self-signed: on its own; local-ca: issued by this server's local CA (made on first use), whose certificate the classroom installs once. */
  kind: z.enum(['self-signed', 'local-ca']).default('self-signed'),
  /** Renew in place: the ports that use this certificate keep using it, with the new one. */
  replaceId: id.optional(),
});
const pemText = z.string().max(1_000_000);
export const certificateImportInput = z
  .object({
    name: certificateName,
    /** PEM: the certificate, possibly with its chain and key in the same text. */
    certPem: pemText.optional(),
    keyPem: pemText.optional(),
    /** Of an encrypted PEM key, or of the PFX. */
    passphrase: z.string().max(1024).optional(),
    /** A PKCS#12 / PFX file, base64. */
    pfxBase64: z.string().max(2_000_000).regex(/^[A-Za-z0-9+/=\s]*$/, 'not base64').optional(),
    replaceId: id.optional(),
  })
  .refine((v) => (v.certPem !== undefined) !== (v.pfxBase64 !== undefined), { message: 'give either the PEM certificate or a PFX file', path: ['certPem'] });
export const certificateExportInput = z.object({
  id,
  /** certificate: this one; ca: the root that issued it (to install on clients). */
  part: z.enum(['certificate', 'chain', 'ca']).default('certificate'),
});

export const logsQuery = z.object({ limit: z.number().int().min(1).max(10_000).default(200) });
export const idInput = z.object({ id });

/**
 * An account's folder (IMAP mailbox), by its full name with "/" between levels. The rules of the
 * name itself (levels, characters, the configured delimiter) are IMAP's, checked by the service
 * with imap/names.ts checkStoreName: one check for IMAP and the admin API.
 */
export const folderInput = z.object({ id, name: z.string().trim().min(1, 'a folder name').max(500) });

/** Utilities → MX query. */
export const mxQueryInput = z.object({ domain: z.string().trim().min(1, 'a domain name').max(253).regex(/^[a-zA-Z0-9.-]+$/, 'not a valid domain name') });

export const labPresetId = z.enum(['telnet-lab', 'starttls-required', 'implicit-tls']);
export const presetInput = z.object({ id: labPresetId });
export const accountListInput = z.object({ domain: domainName.optional() });
export const configExportInput = z.object({ all: z.boolean().default(false) });
export const configApplyInput = z.object({ document: z.record(z.string(), z.unknown()) });
