// The analysis of a message that was stored behind `delta` bytes of extra header lines (the
// trace headers each delivered copy starts with): the root header grows by delta, every other
// offset moves by delta. Envelope and structure are unchanged (trace fields are not part of them).
import type { MessageAnalysis, PartInfo } from './mime';

function shiftPart(p: PartInfo, delta: number, root: boolean): PartInfo {
  return {
    ...p,
    headerStart: root ? p.headerStart : p.headerStart + delta,
    headerLength: root ? p.headerLength + delta : p.headerLength,
    bodyStart: p.bodyStart + delta,
    ...(p.children ? { children: p.children.map((c) => shiftPart(c, delta, false)) } : {}),
    ...(p.message ? { message: { envelope: p.message.envelope, root: shiftPart(p.message.root, delta, false) } } : {}),
  };
}

export function shiftAnalysis(a: MessageAnalysis, delta: number): MessageAnalysis {
  return delta === 0 ? a : { envelope: a.envelope, root: shiftPart(a.root, delta, true) };
}
