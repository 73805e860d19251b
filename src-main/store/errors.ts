// Closed store error codes. Each protocol maps them to its wire form in one place
// (SMTP reply, POP3 -ERR, IMAP NO [CODE]); the admin API maps them to ApiError.
export type StoreErrorCode = 'NOTFOUND' | 'EXISTS' | 'NOQUOTA' | 'INUSE' | 'PERM' | 'PARAMS' | 'TEMP' | 'EXPUNGED' | 'TOOBIG' | 'LIMIT';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
