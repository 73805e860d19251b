// tag LIST [(selection-options)] reference pattern|(patterns) [RETURN (return-options)]
// tag LSUB reference pattern                    (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258,
//                                                SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// * LIST (\HasNoChildren \Sent) "/" Sent
// Every mailbox is listed with \HasChildren or \HasNoChildren (CHILDREN) and its special use.
import { defineCommand, BadArguments } from '../command';
import { atom, type ResponseValue } from '../protocol/compiler';
import type { Token } from '../protocol/tokens';
import { astring } from '../protocol/tokens';
import { patternMatcher } from '../names';
import { statusAttributes, statusItems } from './status';

function words(t: Token | undefined, what: string): string[] {
  if (t?.type !== 'list') throw new BadArguments(`${what} expected`);
  return t.items.map((i) => {
    if (i.type !== 'atom') throw new BadArguments(`${what}: atoms expected`);
    return i.value.toUpperCase();
  });
}

export default defineCommand({
  names: ['LIST', 'LSUB'],
  states: ['authenticated', 'selected'],
  arity: [2, 5],
  handle(ctx, args) {
    const lsub = ctx.command === 'LSUB';
    let i = 0;
    const selection = new Set<string>();
    if (!lsub && args[0]?.type === 'list') {
      for (const w of words(args[0], 'Selection options')) {
        if (!['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'].includes(w)) throw new BadArguments(`Unknown LIST selection option ${w.slice(0, 30)}`);
        selection.add(w);
      }
      if (selection.has('RECURSIVEMATCH') && selection.size === 1) throw new BadArguments('RECURSIVEMATCH needs another selection option');
      i = 1;
    }
    const reference = astring(args[i]);
    if (reference === undefined) throw new BadArguments('Reference name expected');
    const patternToken = args[i + 1];
    const patterns = patternToken?.type === 'list' && !lsub ? patternToken.items.map((p) => astring(p)) : [astring(patternToken)];
    if (patterns.length === 0 || patterns.some((p) => p === undefined)) throw new BadArguments('Mailbox pattern expected');
    const returns = new Set<string>();
    let statusOf: string[] | undefined;
    const rest = args.slice(i + 2);
    if (rest.length) {
      if (lsub || rest[0]?.type !== 'atom' || rest[0].value.toUpperCase() !== 'RETURN' || rest.length !== 2 || rest[1]?.type !== 'list') throw new BadArguments('RETURN (options) expected');
      const items = rest[1].items;
      for (let k = 0; k < items.length; k++) {
        const it = items[k]!;
        const w = it.type === 'atom' ? it.value.toUpperCase() : '';
        if (w === 'STATUS') {
          statusOf = statusItems(items[++k]);
          continue;
        }
        if (!['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE'].includes(w)) throw new BadArguments(`Unknown LIST return option ${w.slice(0, 30)}`);
        returns.add(w);
      }
    }
    const delim = ctx.delimiter;
    const command = lsub ? 'LSUB' : 'LIST';
    if (patterns.length === 1 && patterns[0] === '') {
      // The hierarchy delimiter and root: * LIST (\Noselect) "/" ""
      ctx.untagged({ command, attributes: [[atom('\\Noselect')], delim, ''] });
      return ctx.ok(`${command} completed`);
    }
    const boxes = ctx.deps.mailboxes.list(ctx.user.accountId);
    const names = new Set(boxes.map((b) => b.name));
    const hasChild = (name: string) => boxes.some((b) => b.name.startsWith(name + '/'));
    const matchers = (patterns as string[]).map((p) => patternMatcher(reference + p, delim));
    const onlySubscribed = lsub || selection.has('SUBSCRIBED');
    const showSubscribed = selection.has('SUBSCRIBED') || returns.has('SUBSCRIBED');
    for (const box of boxes) {
      const wire = ctx.wireName(box.name);
      if (!matchers.some((m) => m(wire))) continue;
      if (selection.has('SPECIAL-USE') && !box.specialUse) continue;
      const childInfo = selection.has('RECURSIVEMATCH') && onlySubscribed && boxes.some((b) => b.subscribed && b.name.startsWith(box.name + '/'));
      if (onlySubscribed && !box.subscribed && !childInfo) continue;
      const attrs: string[] = [hasChild(box.name) ? '\\HasChildren' : '\\HasNoChildren'];
      if (showSubscribed && box.subscribed) attrs.push('\\Subscribed');
      if (box.specialUse && !lsub) attrs.push(box.specialUse);
      const attributes: ResponseValue[] = [attrs.map(atom), delim, wire];
      if (childInfo) attributes.push(['CHILDINFO', ['SUBSCRIBED']]);
      ctx.untagged({ command, attributes });
      if (statusOf && names.has(box.name)) {
        ctx.untagged({ command: 'STATUS', attributes: [wire, statusAttributes(ctx.deps.mailboxes, box, statusOf)] });
      }
    }
    ctx.ok(`${command} completed`);
  },
});
