// StoreError → POP3 -ERR, in one place. Clients get a generic text with an RFC 2449/3206
// response code; the log gets the detail.
import { StoreError } from '../store/errors';
import type { Pop3ResponseCode } from './session';

export function pop3Error(e: unknown): { text: string; code: Pop3ResponseCode } {
  if (e instanceof StoreError) {
    switch (e.code) {
      case 'INUSE':
        return { code: 'IN-USE', text: 'maildrop already locked by another session' };
      case 'NOTFOUND':
      case 'EXPUNGED':
        return { code: 'SYS/PERM', text: 'message no longer available' };
      case 'PERM':
        return { code: 'SYS/PERM', text: 'permission denied' };
      default:
        return { code: 'SYS/TEMP', text: 'temporary error, try again later' };
    }
  }
  // The message file is gone (removed under the session): retrying will not bring it back.
  if ((e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return { code: 'SYS/PERM', text: 'message no longer available' };
  return { code: 'SYS/TEMP', text: 'temporary error, try again later' };
}
