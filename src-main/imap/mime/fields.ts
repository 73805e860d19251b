// Header values for ENVELOPE and BODYSTRUCTURE, read from the header a mailsplit node parsed.
// Values stay raw as Dovecot sends them (unfolded, RFC 2047 words left encoded); Content-Type and
// Content-Disposition parameters come from libmime's parse (via mailsplit), RFC 2231 decoded.
import type { Headers, MimeNode } from 'mailsplit';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { Address, Envelope } from './structure';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Header text (a binary string: one char per byte) as a JS string: UTF-8 when the bytes are valid
 * UTF-8, Latin-1 otherwise; NUL (which has no IMAP form) becomes U+FFFD.
 */
export function headerText(s: string): string {
  let out = s;
  // eslint-disable-next-line no-control-regex
  if (/[\x80-\xff]/.test(s) && !/[^\x00-\xff]/.test(s)) {
    try {
      out = UTF8.decode(Buffer.from(s, 'latin1'));
    } catch {
      // not UTF-8: keep Latin-1
    }
  }
  return out.includes('\0') ? out.replace(/\0/g, '\ufffd') : out;
}

/** Trims header whitespace only (never U+00A0: in a binary string that is half a UTF-8 char). */
function trimWsp(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/** The unfolded value of a raw field line ("Subject: a\r\n b" → "a b"). */
function fieldValue(line: string): string {
  const colon = line.indexOf(':');
  return trimWsp((colon < 0 ? '' : line.slice(colon + 1)).replace(/\r?\n/g, ''));
}

/** The first occurrence of every field, by lower-case name, as raw unfolded values. */
export function firstFields(headers: Headers | false): Map<string, string> {
  const map = new Map<string, string>();
  if (!headers) return map;
  for (const { key, line } of headers.getList()) {
    if (key && !map.has(key)) map.set(key, fieldValue(line));
  }
  return map;
}

function nstring(fields: Map<string, string>, name: string, emptyIsNil: boolean): string | null {
  const v = fields.get(name);
  if (v === undefined || (emptyIsNil && v === '')) return null;
  return headerText(v);
}

function address(name: string, addr: string): Address {
  let a = trimWsp(addr);
  // A source route (<@a,@b:user@host>) is obsolete: keep the address only.
  if (a.startsWith('@')) {
    const colon = a.indexOf(':');
    if (colon >= 0) a = a.slice(colon + 1);
  }
  const at = a.lastIndexOf('@');
  if (at >= 0) {
    return { name: name || null, mailbox: a.slice(0, at) || 'MISSING_MAILBOX', host: a.slice(at + 1) || 'MISSING_DOMAIN' };
  }
  if (a) return { name: name || null, mailbox: a, host: 'MISSING_DOMAIN' };
  // "To: nobody" parses as a name without address: a local part without domain.
  if (name && !/\s/.test(name)) return { name: null, mailbox: name, host: 'MISSING_DOMAIN' };
  return { name: name || null, mailbox: 'MISSING_MAILBOX', host: 'MISSING_DOMAIN' };
}

/** An address header as ENVELOPE addresses (groups as start/end markers); null when empty. */
export function parseAddresses(value: string | undefined): Address[] | null {
  if (value === undefined || value === '') return null;
  const out: Address[] = [];
  try {
    for (const item of addressparser(headerText(value))) {
      if ('group' in item) {
        out.push({ name: null, mailbox: item.name || '', host: null });
        for (const member of item.group) out.push(address(member.name, member.address));
        out.push({ name: null, mailbox: null, host: null });
      } else {
        out.push(address(item.name, item.address));
      }
    }
  } catch {
    return null;
  }
  return out.length > 0 ? out : null;
}

export function envelopeOf(headers: Headers | false): Envelope {
  const f = firstFields(headers);
  return {
    date: nstring(f, 'date', false),
    subject: nstring(f, 'subject', false),
    from: parseAddresses(f.get('from')),
    sender: parseAddresses(f.get('sender')),
    replyTo: parseAddresses(f.get('reply-to')),
    to: parseAddresses(f.get('to')),
    cc: parseAddresses(f.get('cc')),
    bcc: parseAddresses(f.get('bcc')),
    inReplyTo: nstring(f, 'in-reply-to', false),
    messageId: nstring(f, 'message-id', false),
  };
}

export interface MimeFields {
  type: string;
  subtype: string;
  params: [string, string][];
  id: string | null;
  description: string | null;
  encoding: string;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
}

const MEDIA_TYPE = /^([!#$%&'*+\-.^_`|~0-9a-z]+)\/([!#$%&'*+\-.^_`|~0-9a-z]+)$/;

function paramList(params: Record<string, unknown> | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (!params) return out;
  for (const [k, v] of Object.entries(params)) {
    if (k && /^[\x21-\x7e]+$/.test(k)) out.push([k, headerText(String(v))]);
  }
  return out;
}

/** The BODYSTRUCTURE fields of a part whose header mailsplit parsed. */
export function mimeFields(node: MimeNode, inDigest: boolean): MimeFields {
  const f = firstFields(node.headers);
  let type = 'text';
  let subtype = 'plain';
  let params: [string, string][] = [];
  const ct = node._parsedContentType;
  if (f.has('content-type')) {
    const m = ct ? MEDIA_TYPE.exec(trimWsp(String(ct.value)).toLowerCase()) : null;
    if (m && ct) {
      type = m[1]!;
      subtype = m[2]!;
      params = paramList(ct.params);
    }
  } else if (inDigest) {
    type = 'message';
    subtype = 'rfc822';
  }
  let disposition: MimeFields['disposition'] = null;
  const cd = node._parsedContentDisposition;
  if (f.has('content-disposition') && cd) {
    const value = trimWsp(String(cd.value));
    if (value) disposition = { type: headerText(value), params: paramList(cd.params) };
  }
  const lang = f.get('content-language');
  const language = lang === undefined ? [] : lang.split(',').map(trimWsp).filter((l) => l !== '').map(headerText);
  return {
    type,
    subtype,
    params,
    id: nstring(f, 'content-id', true),
    description: nstring(f, 'content-description', true),
    encoding: headerText(f.get('content-transfer-encoding') || '7bit').toUpperCase(),
    md5: nstring(f, 'content-md5', true),
    disposition,
    language: language.length > 0 ? language : null,
    location: nstring(f, 'content-location', true),
  };
}
