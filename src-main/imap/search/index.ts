// IMAP SEARCH (RFC 3501 / RFC 9051 §6.4.4): parseSearch() turns the command's tokens into a
// SearchKey, runSearch() finds the matching messages. See parse.ts, evaluate.ts and text.ts.
export { SearchError, type DateOp, type Day, type SearchKey } from './keys';
export { parseSearch } from './parse';
export { runSearch, type SearchMessage, type SearchOptions, type SearchScope } from './evaluate';
