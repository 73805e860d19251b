// ENVELOPE, BODY and BODYSTRUCTURE of a message in wire form, compiled once from its MIME analysis
// and kept in the index (messages.wire_*), so that FETCH copies bytes instead of rebuilding them.
import { compileValue } from './protocol/compiler';
import { bodyStructureValue, envelopeValue, type MessageAnalysis } from './mime';
import type { MessageWire } from '../store/mail-store';

export function wireOf(a: MessageAnalysis): MessageWire {
  return {
    envelope: compileValue(envelopeValue(a.envelope)),
    body: compileValue(bodyStructureValue(a.root, false)),
    bodystructure: compileValue(bodyStructureValue(a.root, true)),
  };
}
