// The SASL layer shared by POP3 and IMAP (SMTP uses smtp-server's own): PLAIN (RFC 4616) and
// LOGIN (draft-murchison-sasl-login). A mechanism is a small state machine fed base64 lines; it
// ends with the credentials to check. Payloads are never logged.
export type SaslMechanismName = 'PLAIN' | 'LOGIN';
export const SASL_MECHANISMS: readonly SaslMechanismName[] = ['PLAIN', 'LOGIN'];

export type SaslStep =
  | { readonly kind: 'challenge'; readonly challenge: string } // base64 text to send after "+ " / "334 "
  | { readonly kind: 'done'; readonly username: string; readonly password: string; readonly authzid: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'cancelled' };

export interface SaslExchange {
  /** First step; `initial` is the SASL-IR initial response (base64, or '=' for empty), if any. */
  start(initial?: string): SaslStep;
  next(line: string): SaslStep;
}

function decode(b64: string): string | undefined {
  const s = b64.trim();
  if (s === '=' || s === '') return '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}

function plain(): SaslExchange {
  const finish = (line: string): SaslStep => {
    if (line.trim() === '*') return { kind: 'cancelled' };
    const text = decode(line);
    if (text === undefined) return { kind: 'error', message: 'invalid base64' };
    const parts = text.split('\u0000');
    if (parts.length !== 3) return { kind: 'error', message: 'malformed PLAIN response' };
    const [authzid, username, password] = parts as [string, string, string];
    if (!username) return { kind: 'error', message: 'missing user name' };
    return { kind: 'done', authzid, username, password };
  };
  return {
    start: (initial) => (initial === undefined ? { kind: 'challenge', challenge: '' } : finish(initial)),
    next: finish,
  };
}

function login(): SaslExchange {
  let username: string | undefined;
  const USER = Buffer.from('Username:').toString('base64');
  const PASS = Buffer.from('Password:').toString('base64');
  const step = (line: string): SaslStep => {
    if (line.trim() === '*') return { kind: 'cancelled' };
    const text = decode(line);
    if (text === undefined) return { kind: 'error', message: 'invalid base64' };
    if (username === undefined) {
      username = text;
      return { kind: 'challenge', challenge: PASS };
    }
    return { kind: 'done', authzid: '', username, password: text };
  };
  return {
    start: (initial) => (initial === undefined ? { kind: 'challenge', challenge: USER } : step(initial)),
    next: step,
  };
}

export function startSasl(mechanism: string): SaslExchange | undefined {
  switch (mechanism.toUpperCase()) {
    case 'PLAIN':
      return plain();
    case 'LOGIN':
      return login();
    default:
      return undefined;
  }
}
