// SMTP replies as values: code, enhanced code, a generic text for the client, and the detail that
// only goes to the log. `toSmtpError` makes the Error that smtp-server's hook callbacks expect; the
// reply text starts with our enhanced code (see lenient-input.ts, point 3).
export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
  readonly message: string;
  /** For the log only. */
  readonly reason?: string;
}

export function reply(code: number, enhanced: string, message: string, reason?: string): SmtpReply {
  return reason === undefined ? { code, enhanced, message } : { code, enhanced, message, reason };
}

export function toSmtpError(r: SmtpReply): Error & { responseCode: number } {
  const e = new Error(`${r.enhanced} ${r.message}`) as Error & { responseCode: number };
  e.responseCode = r.code;
  return e;
}

export const REPLIES = {
  relayDenied: (detail: string) => reply(550, '5.7.1', 'Relay access denied', detail),
  deliveryNotAllowed: (detail: string) => reply(550, '5.7.1', 'Delivery not allowed from this address to this recipient', detail),
  authRequired: (detail: string) => reply(530, '5.7.0', 'Authentication required', detail),
  unknownUser: (detail: string) => reply(550, '5.1.1', 'Recipient address rejected: user unknown', detail),
  listDenied: (detail: string) => reply(550, '5.7.1', `Recipient address rejected: ${detail}`, detail),
  tooManyRecipients: (max: number) => reply(452, '4.5.3', `Too many recipients (at most ${max} per message)`),
  messageTooBig: (maxKb: number) => reply(552, '5.3.4', `Message size exceeds fixed maximum message size (${maxKb} KB)`),
  // With `domain`, it is the domain's size limit (all its mailboxes together) that is reached.
  mailboxFull: (addr: string, domain?: string) => reply(452, '4.2.2', domain ? `Mailbox full: ${addr} (the domain ${domain} is full)` : `Mailbox full: ${addr}`),
  quotaExceeded: (addr: string, domain?: string) =>
    reply(552, '5.2.2', `Mailbox full: the message would exceed ${domain ? `the size limit of the domain ${domain}` : `the quota of ${addr}`}`),
  emptySenderRefused: () => reply(550, '5.7.1', 'Empty sender address not allowed'),
  connectionRefused: () => reply(554, '5.7.1', 'Connection refused by IP range policy'),
  banned: () => reply(421, '4.7.0', 'Too many failed logons from your address, try again later'),
  encryptionRequired: () => reply(538, '5.7.11', 'Encryption required for requested authentication mechanism: issue STARTTLS first'),
  authFailed: () => reply(535, '5.7.8', 'Authentication credentials invalid'),
  // RFC 5321 §6.3: a message that has been through too many hops, or back to a mailbox it was
  // already delivered to, is in a loop: refuse it for good (Postfix says the same).
  tooManyHops: (hops: number) => reply(554, '5.4.6', `Too many hops (${hops} Received headers): mail loop`),
  forwardingLoop: (addr: string) => reply(554, '5.4.6', `Mail forwarding loop for ${addr}`),
  tempFail: (detail: string) => reply(451, '4.3.0', 'Local error in processing, try again later', detail),
  tooManyConnections: () => reply(421, '4.7.0', 'Too many connections, try again later'),
  tooManyFromIp: () => reply(421, '4.7.0', 'Too many connections from your address, try again later'),
} as const;
