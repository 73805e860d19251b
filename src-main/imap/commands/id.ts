// tag ID (field value …) | NIL                              (RFC 2971)
import { defineCommand, BadArguments } from '../command';

export default defineCommand({
  names: ['ID'],
  states: ['notAuthenticated', 'authenticated', 'selected'],
  arity: [1, 1],
  handle(ctx, args) {
    const a = args[0]!;
    if (a.type !== 'nil' && a.type !== 'list') throw new BadArguments('ID expects a list or NIL');
    if (a.type === 'list') {
      if (a.items.length % 2 !== 0 || a.items.length > 60) throw new BadArguments('ID expects field/value pairs (at most 30)');
      const fields: Record<string, string> = {};
      for (let i = 0; i < a.items.length; i += 2) {
        const k = a.items[i]!;
        const v = a.items[i + 1]!;
        if (k.type !== 'string') throw new BadArguments('ID field names are strings');
        if (v.type === 'string') fields[k.value.slice(0, 30)] = v.value.slice(0, 1024);
      }
      ctx.log.info({ event: 'imap.client.id', client: fields }, 'client identified');
    }
    // * ID ("name" "Buzon" "vendor" "Buzon")
    ctx.untagged({ command: 'ID', attributes: [['name', 'Buzon', 'vendor', 'Buzon']] });
    ctx.ok('ID completed');
  },
});
