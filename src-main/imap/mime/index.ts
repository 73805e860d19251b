// The MIME structure of stored messages for IMAP FETCH: see structure.ts.
export * from './structure';
