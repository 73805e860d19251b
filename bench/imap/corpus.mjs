// corpus.mjs — the deterministic IMAP benchmark corpus: message i (0-based) is always the same
// bytes, so Buzón and the reference server get identical mailboxes. Core modules only.
//
// The mix (by i mod 40; average ≈ 5 KB, sizes ≈ 0.7–20 KB):
//   22/40  text/plain: us-ascii 7bit, or UTF-8 8bit / quoted-printable with accented words
//    9/40  multipart/alternative: text/plain + text/html, both quoted-printable UTF-8
//    5/40  multipart/mixed: text/plain + one base64 attachment (application/pdf, image/png, …)
//    2/40  multipart/mixed: multipart/alternative + two attachments
//    2/40  multipart/mixed: a short note + an attached message/rfc822 (itself text/plain)
// About a third of the Subjects and a sixth of the From display names are RFC 2047 encoded
// words (B and Q, UTF-8 and ISO-8859-1). Every line is CRLF-terminated, nearly all are ≤ 78 octets
// (a few header lines reach ~105), and no line starts with "." (SMTP-safe too).
//
// The needle: the word NEEDLE ("needle" by default) appears in the *text* of exactly the
// messages with i % 100 === NEEDLE_MOD (1 %), in a plain or quoted-printable text/plain part,
// never in a header, an HTML part or an attachment. The vocabulary contains no word that has
// "needle" inside it, and base64 runs are random, so `SEARCH TEXT needle` must find exactly
// those messages on any server (the odds of "needle" appearing by chance in 50 MB of base64,
// case-insensitively, are about 1e-3 per corpus; the check in run.mjs would then flag it).
import { createHash } from 'node:crypto';

export const NEEDLE = 'needle';
export const NEEDLE_MOD = 37;
export const isNeedle = (i) => i % 100 === NEEDLE_MOD;
/** Message-ID of corpus message i (how run.mjs recognises the SEARCH hits). */
export const messageId = (i) => `<buzon-bench.${i}@corpus.bench.test>`;

const EN = ('the of and to in is that for it as was with be by on not he this are or his from at which but have an ' +
  'they you were her she there been one all we their has would when if so no will more can out up who them some ' +
  'could what into than then only its time other new these two may first any like now my over such our man me ' +
  'even most made after also did many before must through back years where much your way well down should because ' +
  'each just those people how too little state good very make world still own see men work long get here between ' +
  'both life being under never day same another know while last might us great old year off come since against go ' +
  'came right used take three report meeting invoice quarter budget review draft schedule project release server ' +
  'mailbox delivery account password backup monday friday agenda minutes attached please thanks regards').split(' ');
const ES = ('año niño señal acción canción información reunión política región común también después está más ' +
  'además análisis crédito número página teléfono dirección mañana corazón camión jardín árbol lápiz fácil ' +
  'difícil rápido último público música sábado miércoles').split(' ');
const NAMES = ['Alice Martin', 'Bob Stone', 'Carol Diaz', 'Dan Wu', 'Eve Novak', 'Frank Ortiz', 'Grace Lee', 'Henry Moss',
  'Irene Vogel', 'Jack Byrne', 'José Núñez', 'Zoë Ångström', 'François Lefèvre', 'Jürgen Müller', 'Søren Kierkegård', 'Łukasz Żak'];
const SUBJECTS = ['Quarterly report', 'Re: meeting notes', 'Invoice for November', 'Fwd: project update', 'Lunch on Friday?',
  'Server maintenance window', 'Re: Re: budget draft', 'Welcome aboard', 'Your order has shipped', 'Minutes of the board meeting'];
const SUBJECTS_INTL = ['Reunión del lunes: información', 'Café avec François', 'Grüße aus München', 'Año nuevo, número 5',
  'Résumé – première version', 'Überweisung bestätigt', 'Ελληνικά: δοκιμή', 'Тест: почта', '日本語のテスト件名', 'Crème brûlée ✓'];
const ATTACH = [
  ['application', 'pdf', 'report.pdf'], ['image', 'png', 'photo.png'], ['image', 'jpeg', 'scan.jpg'],
  ['application', 'vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'budget.xlsx'], ['application', 'zip', 'archive.zip'],
];

/** xorshift32 seeded by (i, salt): the same stream for the same message. */
function rng(i, salt) {
  let x = (Math.imul(i + 1, 2654435761) ^ Math.imul(salt + 1, 40503)) >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** Text lines (no CRLF) of about `bytes` characters; `intl` mixes in accented words; plants `needle` once if given. */
function paragraphLines(r, bytes, intl, needle) {
  const lines = [];
  let total = 0;
  let line = '';
  let planted = !needle;
  while (total < bytes) {
    let w = intl && r() % 5 === 0 ? ES[r() % ES.length] : EN[r() % EN.length];
    if (!planted && total > bytes / 3) { w = needle; planted = true; }
    if (line.length + w.length + 1 > 66) {
      lines.push(line);
      total += line.length + 2;
      line = '';
      if (r() % 9 === 0) { lines.push(''); total += 2; }
    }
    line += (line ? ' ' : '') + w;
  }
  if (line) lines.push(line);
  if (!planted) lines.push(needle);
  // Capitalise paragraph starts a little, so it does not look like a word dump.
  return lines.map((l, k) => (k === 0 || lines[k - 1] === '' ? l.charAt(0).toUpperCase() + l.slice(1) : l));
}

/** Quoted-printable (RFC 2045) of UTF-8 text lines: lines ≤ 76 with soft breaks, CRLF line ends. */
function qp(lines) {
  const out = [];
  for (const text of lines) {
    const bytes = Buffer.from(text, 'utf8');
    let cur = '';
    for (let k = 0; k < bytes.length; k++) {
      const b = bytes[k];
      const last = k === bytes.length - 1;
      let tok;
      if ((b === 0x20 || b === 0x09) && last) tok = '=' + b.toString(16).toUpperCase().padStart(2, '0');
      else if ((b >= 33 && b <= 126 && b !== 61) || b === 0x20) tok = String.fromCharCode(b);
      else tok = '=' + b.toString(16).toUpperCase().padStart(2, '0');
      if (cur.length + tok.length > 75) { out.push(cur + '='); cur = ''; }
      cur += tok;
    }
    out.push(cur);
  }
  return out.join('\r\n') + '\r\n';
}

const base64Lines = (buf) => buf.toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '') + '\r\n';

function randomBytes(r, n) {
  const b = Buffer.allocUnsafe(n);
  for (let k = 0; k < n; k += 4) b.writeUInt32LE(r(), Math.min(k, n - 4));
  return b;
}

/** RFC 2047 encoded words for a header value, folded (CRLF SP) between words. */
function encodeWords(text, how, charset = 'UTF-8') {
  const enc = charset === 'UTF-8' ? 'utf8' : 'latin1';
  const words = [];
  let chunk = '';
  const flush = () => {
    if (!chunk) return;
    const b = Buffer.from(chunk, enc);
    if (how === 'B') words.push(`=?${charset}?B?${b.toString('base64')}?=`);
    else {
      let q = '';
      for (const c of b) q += c === 0x20 ? '_' : (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? String.fromCharCode(c) : '=' + c.toString(16).toUpperCase().padStart(2, '0');
      words.push(`=?${charset}?Q?${q}?=`);
    }
    chunk = '';
  };
  for (const ch of text) { // whole characters: never split a UTF-8 sequence across words
    if (Buffer.byteLength(chunk + ch, enc) > 20) flush();
    chunk += ch;
  }
  flush();
  return words.join('\r\n ');
}

const latin1Safe = (s) => [...s].every((c) => c.charCodeAt(0) < 256);

function headerBlock(i, r, { subject, extra = [] }) {
  const name = NAMES[i % NAMES.length];
  const nameAscii = /^[\x20-\x7e]*$/.test(name);
  const fromName = nameAscii ? `"${name}"` : i % 6 === 0 ? encodeWords(name, i % 12 === 0 ? 'B' : 'Q') : encodeWords(name, 'B');
  const fromAddr = `${name.split(' ')[0].normalize('NFD').replace(/[^a-zA-Z]/g, '').toLowerCase() || 'user'}${i % 37}@example.test`;
  const d = new Date(Date.UTC(2025, 0, 1) + i * 47 * 60000);
  const date = d.toUTCString().replace(/GMT$/, '+0000');
  const h = [
    `Return-Path: <${fromAddr}>`,
    `Received: from mx${i % 4}.example.test (mx${i % 4}.example.test [192.0.2.${(i % 200) + 1}])`,
    `\tby mail.bench.test with ESMTPS id ${(i * 7919).toString(36)}; ${date}`,
    `From: ${fromName} <${fromAddr}>`,
    `To: "Bench User" <bench@bench.test>`,
  ];
  if (i % 7 === 0) h.push(`Cc: "${NAMES[(i + 3) % NAMES.length].replace(/[^\x20-\x7e]/g, 'e')}" <cc${i % 13}@example.test>,`, ` other${i % 5}@example.test`);
  h.push(`Subject: ${subject}`);
  h.push(`Date: ${date}`);
  h.push(`Message-ID: ${messageId(i)}`);
  if (i > 0 && i % 3 === 0) h.push(`In-Reply-To: ${messageId(i - 1)}`, `References: ${messageId(i - 1)}`);
  h.push('MIME-Version: 1.0', ...extra);
  if (i % 4 === 1) h.push('X-Mailer: Bench Mailer 2.1', `X-Spam-Score: ${(r() % 50) / 10}`);
  return h;
}

function subjectOf(i) {
  const k = i % 3;
  if (k !== 0) return `${SUBJECTS[i % SUBJECTS.length]} #${i}`;
  const s = `${SUBJECTS_INTL[(i / 3) % SUBJECTS_INTL.length | 0]} #${i}`;
  if (i % 9 === 3 && latin1Safe(s)) return encodeWords(s, 'Q', 'ISO-8859-1');
  return encodeWords(s, i % 2 ? 'Q' : 'B');
}

const TEXT_SIZES = [600, 1000, 1500, 2000, 2600, 3200, 3800, 4600, 5800, 8000];

function plainPart(r, i, bytes, needle, enc) {
  // enc: '7bit' (ASCII words), '8bit' (UTF-8 raw), 'qp' (UTF-8 quoted-printable)
  const lines = paragraphLines(r, bytes, enc !== '7bit', needle);
  if (enc === 'qp') return { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: qp(lines) };
  return {
    headers: [`Content-Type: text/plain; charset=${enc === '7bit' ? 'us-ascii' : 'utf-8'}`, `Content-Transfer-Encoding: ${enc}`],
    body: lines.join('\r\n') + '\r\n',
  };
}

function htmlPart(r, bytes) {
  const lines = paragraphLines(r, bytes, true, null);
  const html = ['<!DOCTYPE html>', '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>', '<body style="font-family: Arial, sans-serif;">'];
  let para = [];
  for (const l of lines) {
    if (l === '') { if (para.length) html.push(`<p>${para.join(' ')}</p>`); para = []; } else para.push(l);
  }
  if (para.length) html.push(`<p>${para.join(' ')}</p>`);
  html.push('</body></html>');
  return { headers: ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: qp(html) };
}

function attachmentPart(r, i, k) {
  const [type, sub, file] = ATTACH[(i + k) % ATTACH.length];
  const n = 700 + (r() % 4200);
  const name = `${file.replace('.', `-${i}-${k}.`)}`;
  return {
    headers: [`Content-Type: ${type}/${sub}; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64'],
    body: base64Lines(randomBytes(r, n)),
  };
}

const partText = (p) => p.headers.join('\r\n') + '\r\n\r\n' + p.body;

function multipart(sub, boundary, parts) {
  return {
    headers: [`Content-Type: multipart/${sub};`, ` boundary="${boundary}"`],
    body: 'This is a multi-part message in MIME format.\r\n' + parts.map((p) => `\r\n--${boundary}\r\n${partText(p)}`).join('') + `\r\n--${boundary}--\r\n`,
  };
}

/** Corpus message i as a Buffer (CRLF line ends). */
export function corpusMessage(i) {
  const r = rng(i, 1);
  const needle = isNeedle(i) ? NEEDLE : null;
  const kind = i % 40;
  const size = TEXT_SIZES[(i * 7) % TEXT_SIZES.length];
  const b = (k) => `----=_Part_${i}_${k}.${(i * 2654435761 >>> 0).toString(16)}`;
  let root;
  if (kind < 22) {
    const enc = i % 4 === 0 ? 'qp' : i % 4 === 1 ? '8bit' : '7bit';
    root = plainPart(r, i, size, needle, enc);
  } else if (kind < 31) {
    root = multipart('alternative', b(1), [plainPart(r, i, size * 0.55, needle, 'qp'), htmlPart(r, size * 0.6)]);
  } else if (kind < 36) {
    root = multipart('mixed', b(1), [plainPart(r, i, size * 0.4, needle, i % 2 ? '7bit' : 'qp'), attachmentPart(r, i, 0)]);
  } else if (kind < 38) {
    const alt = multipart('alternative', b(2), [plainPart(r, i, size * 0.3, needle, 'qp'), htmlPart(r, size * 0.35)]);
    root = multipart('mixed', b(1), [alt, attachmentPart(r, i, 1), attachmentPart(r, i, 2)]);
  } else {
    const inner = [`From: "${NAMES[(i + 5) % NAMES.length].replace(/[^\x20-\x7e]/g, 'e')}" <fwd${i % 17}@example.test>`, 'To: bench@bench.test',
      `Subject: Original message ${i}`, `Date: ${new Date(Date.UTC(2024, 5, 1) + i * 60000).toUTCString().replace(/GMT$/, '+0000')}`,
      `Message-ID: <inner.${i}@corpus.bench.test>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii', '', ''].join('\r\n') +
      paragraphLines(r, size * 0.6, false, null).join('\r\n') + '\r\n';
    const note = plainPart(r, i, 400, needle, '7bit');
    root = multipart('mixed', b(1), [note, { headers: ['Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="forwarded.eml"'], body: inner }]);
  }
  const head = headerBlock(i, r, { subject: subjectOf(i), extra: root.headers });
  return Buffer.from(head.join('\r\n') + '\r\n\r\n' + root.body, 'utf8');
}

/** APPEND flags of message i: about 70 % \Seen, 6 % \Flagged, 8 % \Answered. */
export function corpusFlags(i) {
  const f = [];
  if (i % 10 < 7) f.push('\\Seen');
  if (i % 17 === 0) f.push('\\Flagged');
  if (i % 12 === 5) f.push('\\Answered');
  return f;
}

/** INTERNALDATE of message i for APPEND ("dd-Mon-yyyy hh:mm:ss +0000"): its Date header plus a minute. */
export function corpusInternalDate(i) {
  const d = new Date(Date.UTC(2025, 0, 1) + i * 47 * 60000 + 60000);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${mon}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Size statistics and a digest of messages 0..n-1 (recorded with each fill). */
export function corpusStats(n) {
  const h = createHash('sha256');
  let bytes = 0, min = Infinity, max = 0, needles = 0;
  for (let i = 0; i < n; i++) {
    const m = corpusMessage(i);
    h.update(m);
    bytes += m.length;
    min = Math.min(min, m.length);
    max = Math.max(max, m.length);
    if (isNeedle(i)) needles++;
  }
  return { messages: n, bytes, avgBytes: Math.round(bytes / n), minBytes: min, maxBytes: max, needles, sha256: h.digest('hex').slice(0, 16) };
}
