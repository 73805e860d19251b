// The one place that turns store and other failures into IMAP responses: StoreError codes become
// NO with the RFC 5530 response code; anything unexpected is NO [SERVERBUG] (logged), and the
// session goes on.
import { StoreError } from '../store/errors';
import type { ResponseCode } from './protocol/compiler';

const CODES: Record<StoreError['code'], string> = {
  NOTFOUND: 'NONEXISTENT',
  EXISTS: 'ALREADYEXISTS',
  NOQUOTA: 'OVERQUOTA',
  INUSE: 'INUSE',
  PERM: 'CANNOT',
  PARAMS: 'CANNOT',
  TEMP: 'UNAVAILABLE',
  EXPUNGED: 'EXPUNGEISSUED',
  TOOBIG: 'TOOBIG',
  LIMIT: 'LIMIT',
};

export function imapError(e: unknown): { text: string; code: ResponseCode; unexpected: boolean } {
  if (e instanceof StoreError) return { text: e.message, code: { name: CODES[e.code] }, unexpected: false };
  return { text: 'Internal error, the command was not completed', code: { name: 'SERVERBUG' }, unexpected: true };
}
