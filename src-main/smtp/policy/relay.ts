// The hMailServer relay matrix, as a pure function. For the client's IP range, a message from a
// local or external sender to a local or external recipient is:
//   - refused when the range does not allow that delivery direction;
//   - refused until the client authenticates when the range requires SMTP auth for it;
//   - accepted otherwise.
// "Local" means a domain or domain alias hosted here; the null sender counts as external.
// Refusals of external recipients read "Relay access denied" (550 5.7.1), as in Postfix and the
// course notes; a local recipient that needs authentication gets 530 5.7.0.
import type { IpRange } from '../../shared/model/entities';
import { REPLIES, type SmtpReply } from '../reply';

export type Direction = 'L2L' | 'L2E' | 'E2L' | 'E2E';

export function direction(senderLocal: boolean, recipientLocal: boolean): Direction {
  return `${senderLocal ? 'L' : 'E'}2${recipientLocal ? 'L' : 'E'}` as Direction;
}

const ALLOW: Record<Direction, keyof IpRange> = {
  L2L: 'allowLocalToLocal',
  L2E: 'allowLocalToExternal',
  E2L: 'allowExternalToLocal',
  E2E: 'allowExternalToExternal',
};
const AUTH: Record<Direction, keyof IpRange> = {
  L2L: 'authLocalToLocal',
  L2E: 'authLocalToExternal',
  E2L: 'authExternalToLocal',
  E2E: 'authExternalToExternal',
};

export type RelayVerdict = { readonly verdict: 'accept' } | { readonly verdict: 'deny'; readonly reply: SmtpReply };

export function decideRelay(range: IpRange, senderLocal: boolean, recipientLocal: boolean, authenticated: boolean): RelayVerdict {
  const dir = direction(senderLocal, recipientLocal);
  const why = `IP range "${range.name}", ${dir}`;
  if (!range[ALLOW[dir]]) {
    return { verdict: 'deny', reply: recipientLocal ? REPLIES.deliveryNotAllowed(`${why}: delivery not allowed`) : REPLIES.relayDenied(`${why}: delivery not allowed`) };
  }
  if (range[AUTH[dir]] && !authenticated) {
    return {
      verdict: 'deny',
      reply: recipientLocal ? REPLIES.authRequired(`${why}: SMTP authentication required`) : REPLIES.relayDenied(`${why}: SMTP authentication required`),
    };
  }
  return { verdict: 'accept' };
}
