// Every IMAP command name → its module (STYLE.md §10.5). "UID FETCH" and "EXAMINE" are names of
// the modules that also serve "FETCH" and "SELECT".
import type { ImapCommand } from './command';
import append from './commands/append';
import authenticate from './commands/authenticate';
import capability from './commands/capability';
import copy from './commands/copy';
import create from './commands/create';
import del from './commands/delete';
import enable from './commands/enable';
import expunge from './commands/expunge';
import fetch from './commands/fetch';
import id from './commands/id';
import idle from './commands/idle';
import list from './commands/list';
import login from './commands/login';
import logout from './commands/logout';
import namespace from './commands/namespace';
import noop from './commands/noop';
import quota from './commands/quota';
import rename from './commands/rename';
import search from './commands/search';
import select from './commands/select';
import starttls from './commands/starttls';
import status from './commands/status';
import store from './commands/store';
import subscribe from './commands/subscribe';
import unselect from './commands/unselect';

const ALL: readonly ImapCommand[] = [
  append, authenticate, capability, copy, create, del, enable, expunge, fetch, id, idle, list, login, logout,
  namespace, noop, quota, rename, search, select, starttls, status, store, subscribe, unselect,
];

export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map(ALL.flatMap((c) => c.names.map((n) => [n, c] as const)));
