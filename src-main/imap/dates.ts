// IMAP date-time (RFC 9051 §9: "dd-Mon-yyyy hh:mm:ss +zzzz", day possibly space-padded) for
// APPEND's internal date and FETCH INTERNALDATE.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function parseDateTime(text: string): Date | undefined {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase());
  if (month < 0) return undefined;
  const [day, year, hh, mm, ss, zh, zm] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map(Number) as number[];
  if (day! < 1 || day! > 31 || hh! > 23 || mm! > 59 || ss! > 60 || zm! > 59) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (zh! * 60 + zm!);
  const t = Date.UTC(year!, month, day!, hh!, mm!, ss!) - offset * 60_000;
  const d = new Date(t);
  return Number.isNaN(t) || new Date(Date.UTC(year!, month, day!)).getUTCDate() !== day ? undefined : d;
}

/** In UTC ("+0000"): the store keeps instants, not the sender's zone. */
export function formatDateTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
