// ENVELOPE and BODY/BODYSTRUCTURE as response values for the compiler (RFC 3501 §7.4.2,
// RFC 9051 §7.5.2), written the way Dovecot writes them: types and parameter names as analysed
// (lower case), a default ("charset" "us-ascii") for text parts, an address list NIL when empty,
// Sender and Reply-To falling back to From.
import { joined, type ResponseValue } from '../protocol/compiler';
import type { Address, Envelope, PartInfo } from './structure';

function addressList(list: Address[] | null): ResponseValue {
  if (!list || list.length === 0) return null;
  return list.map((a) => [a.name, null, a.mailbox, a.host]);
}

/** The ENVELOPE list: date subject from sender reply-to to cc bcc in-reply-to message-id. */
export function envelopeValue(e: Envelope): ResponseValue {
  const from = addressList(e.from);
  return [
    e.date,
    e.subject,
    from,
    e.sender && e.sender.length > 0 ? addressList(e.sender) : from,
    e.replyTo && e.replyTo.length > 0 ? addressList(e.replyTo) : from,
    addressList(e.to),
    addressList(e.cc),
    addressList(e.bcc),
    e.inReplyTo,
    e.messageId,
  ];
}

function paramsValue(params: readonly [string, string][], defaultCharset: boolean): ResponseValue {
  const out: string[] = [];
  let charset = false;
  for (const [name, value] of params) {
    if (name.toLowerCase() === 'charset') charset = true;
    out.push(name, value);
  }
  if (defaultCharset && !charset) out.push('charset', 'us-ascii');
  return out.length > 0 ? out : null;
}

function extension(p: PartInfo): ResponseValue[] {
  return [
    p.disposition ? [p.disposition.type, paramsValue(p.disposition.params, false)] : null,
    p.language && p.language.length > 0 ? p.language : null,
    p.location,
  ];
}

function partValue(p: PartInfo, extended: boolean): ResponseValue[] {
  if (p.children && p.children.length > 0) {
    const out: ResponseValue[] = [joined(p.children.map((c) => partValue(c, extended)))];
    out.push(p.subtype);
    if (extended) out.push(paramsValue(p.params, false), ...extension(p));
    return out;
  }
  const text = p.type === 'text';
  const out: ResponseValue[] = [p.type, p.subtype, paramsValue(p.params, text), p.id, p.description, p.encoding, p.size];
  if (text) out.push(p.lines);
  else if (p.message) out.push(envelopeValue(p.message.envelope), partValue(p.message.root, extended), p.lines);
  if (extended) out.push(p.md5, ...extension(p));
  return out;
}

/** BODY (extended false) or BODYSTRUCTURE (extended true); a multipart's bodies are written without spaces between them ("(…)(…) "mixed"", RFC 9051 body-type-mpart). */
export function bodyStructureValue(root: PartInfo, extended: boolean): ResponseValue {
  return partValue(root, extended);
}
