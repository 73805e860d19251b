// Verb → command module.
import type { Pop3Command } from './command';
import user from './commands/user';
import pass from './commands/pass';
import auth from './commands/auth';
import capa from './commands/capa';
import stls from './commands/stls';
import stat from './commands/stat';
import list from './commands/list';
import uidl from './commands/uidl';
import retr from './commands/retr';
import top from './commands/top';
import dele from './commands/dele';
import rset from './commands/rset';
import noop from './commands/noop';
import quit from './commands/quit';

export const COMMANDS: ReadonlyMap<string, Pop3Command> = new Map(
  [user, pass, auth, capa, stls, stat, list, uidl, retr, top, dele, rset, noop, quit].map((c) => [c.name, c]),
);
