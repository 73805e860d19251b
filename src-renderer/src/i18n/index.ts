// Languages of the UI: English, Spanish, Catalan and Galician (our classrooms). Each page keeps
// its visible strings, in English, in one `const T = strings({ … })` object; `strings()` returns
// a view of it that answers in the current language, looked up by the English text in the
// dictionaries below (a string without a translation stays English). Protocol terms (SMTP,
// STARTTLS, IMAP …) are not translated. Switching language re-renders the app from its root.
import es from './es';
import ca from './ca';
import gl from './gl';

export type Lang = 'en' | 'es' | 'ca' | 'gl';
export const LANGS: ReadonlyArray<{ value: Lang; label: string }> = [
  { value: 'en', label: 'English' },
  { value: 'es', label: 'Español' },
  { value: 'ca', label: 'Català' },
  { value: 'gl', label: 'Galego' },
];

const DICTIONARIES: Record<Exclude<Lang, 'en'>, Readonly<Record<string, string>>> = { es, ca, gl };
const STORAGE_KEY = 'buzon.lang';

function initial(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved && LANGS.some((l) => l.value === saved)) return saved as Lang;
  } catch {
    /* no storage (tests, a locked-down browser) */
  }
  const nav = (globalThis.navigator?.language ?? 'en').slice(0, 2);
  return LANGS.some((l) => l.value === nav) ? (nav as Lang) : 'en';
}

let current: Lang = initial();
const listeners = new Set<() => void>();

export const getLang = (): Lang => current;

export function setLang(lang: Lang): void {
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    /* not kept: fine */
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  for (const l of listeners) l();
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** One English text in the current language. */
export function tr(english: string): string {
  return current === 'en' ? english : (DICTIONARIES[current][english] ?? english);
}

type Strings<T> = { readonly [K in keyof T]: T[K] extends string ? string : T[K] extends object ? Strings<T[K]> : T[K] };

/** Every object passed to strings(), in English (for the dictionary completeness test). */
const registered: object[] = [];

/** A page's strings, answering in the current language (read them while rendering). */
export function strings<T extends object>(english: T): Strings<T> {
  registered.push(english);
  return view(english);
}

function view<T extends object>(english: T): Strings<T> {
  return new Proxy(english, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v === 'string') return tr(v);
      if (v && typeof v === 'object') return view(v as object);
      return v;
    },
  }) as Strings<T>;
}

/** A translated template with its `{name}` placeholders filled: fmt(T.daysLeft, { n: 3 }). */
export function fmt(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** Every English string of a strings() object (for the dictionary completeness test). */
export function englishOf(obj: object): string[] {
  return Object.values(obj).flatMap((v: unknown) => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? englishOf(v) : []));
}

/** Every English string of every strings() object of the modules loaded so far, once each. */
export function allStrings(): string[] {
  return [...new Set(registered.flatMap(englishOf))];
}
