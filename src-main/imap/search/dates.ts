// Dates for SEARCH: the IMAP date of a search key ("1-Feb-1994", RFC 9051 "date") and the day a
// Date: header names (RFC 5322 §3.3, read leniently). Both become day numbers (days since
// 1970-01-01), so that comparisons ignore time and timezone as RFC 9051 §6.4.4 asks.
import type { Day } from './keys';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MS_PER_DAY = 86_400_000;

/** The day number of a calendar date, or undefined when the date does not exist (31-Feb). */
export function dayOf(year: number, month: number, day: number): Day | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month || d.getUTCDate() !== day) return undefined;
  return Math.floor(d.getTime() / MS_PER_DAY);
}

/** The UTC calendar day of an instant. */
export function utcDay(date: Date): Day | undefined {
  const t = date.getTime();
  return Number.isFinite(t) ? Math.floor(t / MS_PER_DAY) : undefined;
}

/** An IMAP search date: date-day "-" date-month "-" date-year, e.g. "1-Feb-1994" or "01-feb-1994". */
export function parseImapDate(text: string): Day | undefined {
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  return dayOf(Number(m[3]), month, Number(m[1]));
}

/**
 * The day a Date: header value names, in the header's own timezone ("Tue, 1 Nov 2026 23:30 -0800"
 * is 1 Nov 2026): the date part exactly as written. Accepts the obsolete forms of RFC 5322 §4.3
 * (two- and three-digit years, comments, missing weekday) and a few common deviations ("1-Nov-2026",
 * "Nov 1 2026"); falls back to Date.parse (then the UTC day) for anything else, and undefined when
 * nothing makes sense of it.
 */
export function parseHeaderDay(value: string): Day | undefined {
  // Comments (not nested: good enough for dates) and the weekday go first.
  const text = value.replace(/\([^()]*\)/g, ' ').replace(/^\s*[A-Za-z]+\s*,/, ' ').trim();
  let m = /^([0-9]{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+([0-9]{2,4})\b/.exec(text);
  let day: string | undefined;
  let mon: string | undefined;
  let year: string | undefined;
  if (m) [, day, mon, year] = m;
  else {
    // "Nov 1 2026" (asctime-like, with or without a weekday before it).
    m = /^(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})[A-Za-z]*\s+([0-9]{1,2}),?\s+(?:[0-9:]+\s+)?([0-9]{4})\b/.exec(text);
    if (m) [, mon, day, year] = m;
    else {
      // ISO 8601 "2026-11-01T10:00:00+01:00": the date part as written.
      const iso = /^([0-9]{4})-([0-9]{2})-([0-9]{2})\b/.exec(text);
      if (iso) return dayOf(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
    }
  }
  if (day !== undefined && mon !== undefined && year !== undefined) {
    const month = MONTHS.indexOf(mon.toLowerCase());
    let y = Number(year);
    // RFC 5322 §4.3: two-digit years 00-49 are 2000-2049, 50-99 are 1950-1999; three digits add 1900.
    if (year.length === 2) y += y < 50 ? 2000 : 1900;
    else if (year.length === 3) y += 1900;
    const d = dayOf(y, month, Number(day));
    if (d !== undefined) return d;
  }
  const t = Date.parse(text);
  return Number.isFinite(t) ? Math.floor(t / MS_PER_DAY) : undefined;
}
