import { damaged } from './xml-parts.js';

/**
 * Entity and character references in a part's text or attribute value: the five XML
 * predefines, and `&#…;` for characters XML allows. Any other is damage: a part with a DTD is
 * refused before, so no other entity can have been defined.
 */
export function decodeReferences(text: string, part: string): string {
  let out = '';
  let i = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', i)) {
    const semi = text.indexOf(';', amp + 1);
    if (semi === -1) throw damaged(part, `it holds an "&" that starts no reference ("${text.slice(amp, amp + 12)}")`);
    out += text.slice(i, amp) + referenced(text.slice(amp + 1, semi), part);
    i = semi + 1;
  }
  return out + text.slice(i);
}

const CHARACTER_REFERENCE = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/;

function referenced(name: string, part: string): string {
  switch (name) {
    case 'lt': return '<';
    case 'gt': return '>';
    case 'amp': return '&';
    case 'quot': return '"';
    case 'apos': return "'";
  }
  const code = CHARACTER_REFERENCE.exec(name);
  const point = code ? parseInt(code[1] ?? code[2]!, code[1] ? 16 : 10) : NaN;
  if (!xmlCharacter(point)) throw damaged(part, `it refers to "&${name};", which XML does not define`);
  return String.fromCodePoint(point);
}

/** Characters XML 1.0 allows (§2.2): a reference to any other is an error, as a raw one is. */
function xmlCharacter(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}
