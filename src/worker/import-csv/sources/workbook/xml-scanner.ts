import { damaged, refusedDtd } from './xml-parts.js';
import { decodeReferences } from './xml-references.js';

/** The tag just opened, valid during `open` only: its offsets point into the text being scanned. */
export interface ScannedTag {
  /** The value of the attribute of exactly this name (prefix included), references decoded. */
  attribute(name: string): string | undefined;
}

/**
 * What a reader of a large part is told. Elements are named by their local name when it is one
 * of the names the scanner was given, else undefined: most of a sheet's elements are not read.
 */
export interface ScanVisitor {
  /** Whether text read now is wanted: only then is it cut out and its references decoded. */
  readonly capturing: boolean;
  open(name: string | undefined, tag: ScannedTag): void;
  close(name: string | undefined): void;
  text(text: string): void;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const COLON = 0x3a;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const EMPTY = Buffer.alloc(0);
/** Markup whose end is searched for across chunks: comments, processing instructions, CDATA. */
type Section = { end: string; text: boolean };
const COMMENT: Section = { end: '-->', text: false };
const INSTRUCTION: Section = { end: '?>', text: false };
const CDATA: Section = { end: ']]>', text: true };
/** Bytes of a tag or reference still unfinished past which it is no spreadsheet's: it would be held whole. */
const MAX_PENDING = 1024 * 1024;

/**
 * A streaming XML scanner for the parts that hold a workbook's bulk (a sheet, the shared
 * strings). A general SAX parser spent most of an import's time building an attribute object
 * per tag and checking characters one by one; this one cuts text and tags out of the decoded
 * chunk with indexOf and reads only the attributes a reader asks for. It still refuses what
 * makes a part damaged or dangerous: text that is not UTF-8, a DTD, tags that do not nest,
 * undefined entity references, text outside the root, a part that ends inside an element.
 * Line ends are normalised before scanning (XML 1.0 §2.11), so a CRLF in a cell reads as LF.
 */
export class XmlScanner implements ScannedTag {
  // Chunks are decoded one by one, so a BOM is kept as text: one that a chunk starts with is the
  // cell's; the part's own, before the root, is passed over as other space there is.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Bytes of earlier chunks not scanned yet: an unfinished tag or reference, a lone CR, a character the chunk cut. */
  private rest: Buffer = EMPTY;
  private section: Section | undefined;
  /** Qualified names of the open elements, and the names the visitor knows them by. */
  private readonly open: string[] = [];
  private readonly known: (string | undefined)[] = [];
  private rootSeen = false;
  /** The scanned text and its tag's attributes as offsets (name start, name end, value start, value end). */
  private text = '';
  private attributes = new Int32Array(64);
  private attributeCount = 0;

  constructor(
    private readonly part: string,
    private readonly names: readonly string[],
    private readonly visitor: ScanVisitor,
  ) {}

  write(chunk: Buffer): void {
    const { rest } = this;
    // An unfinished tag cannot end in a chunk without a ">": scanning it again would be wasted.
    if (rest[0] === LT && chunk.indexOf(GT) === -1) {
      this.rest = Buffer.concat([rest, chunk]);
      this.checkPending();
      return;
    }
    // The rest and the chunk are decoded as one: adding their texts would make a rope, and every
    // character read from a rope goes through it (about 15% of the scan); joining the texts would
    // copy each chunk's text on the heap, where its bytes are copied outside it.
    const bytes = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const complete = completeLength(bytes);
    this.scan(this.decode(bytes.subarray(0, complete)), false, bytes.subarray(complete));
  }

  end(): void {
    this.scan(this.decode(this.rest), true, EMPTY);
    if (this.rest.length || this.section) throw damaged(this.part, 'it ends inside its markup');
    if (this.open.length) throw damaged(this.part, `it ends before the element <${this.open.at(-1)}> is closed`);
    if (!this.rootSeen) throw damaged(this.part, 'it holds no XML element');
  }

  attribute(name: string): string | undefined {
    const { attributes, text } = this;
    for (let k = 0; k < this.attributeCount * 4; k += 4) {
      const start = attributes[k]!;
      if (attributes[k + 1]! - start !== name.length || !text.startsWith(name, start)) continue;
      const value = text.slice(attributes[k + 2], attributes[k + 3]);
      if (value.includes('<')) throw damaged(this.part, `an attribute's value holds a "<"`);
      return value.includes('&') ? decodeReferences(value, this.part) : value;
    }
    return undefined;
  }

  private decode(bytes: Buffer): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw damaged(this.part, 'it is not UTF-8 text');
    }
  }

  /** Scans the decoded text; what it cannot finish yet waits in `rest`, before the `cut` bytes of a character the chunk ended inside. */
  private scan(text: string, final: boolean, cut: Buffer): void {
    let s = text;
    let held = '';
    if (s.includes('\r')) {
      // A CR at the chunk's end may be the first half of a CRLF.
      if (!final && s.endsWith('\r')) {
        held = '\r';
        s = s.slice(0, -1);
      }
      s = s.replace(/\r\n?/g, '\n');
    }
    this.text = s;
    let i = 0;
    while (i < s.length) {
      if (this.section) {
        i = this.inSection(s, i, final);
        if (this.section) break;
        continue;
      }
      // Tags mostly follow one another with nothing between them.
      const lt = s.charCodeAt(i) === LT ? i : s.indexOf('<', i);
      if (lt === -1) {
        i = this.textRun(s, i, s.length, final);
        break;
      }
      if (lt > i) this.textRun(s, i, lt, true);
      const next = this.markup(s, lt);
      if (next === -1) {
        i = lt;
        break;
      }
      i = next;
    }
    const unscanned = s.slice(i) + held;
    this.rest = unscanned ? Buffer.concat([Buffer.from(unscanned, 'utf8'), cut]) : cut.length ? Buffer.from(cut) : EMPTY;
    this.checkPending();
  }

  private checkPending(): void {
    if (this.rest.length > MAX_PENDING) throw damaged(this.part, 'it holds a tag or reference longer than 1 MiB');
  }

  /** Text between markup; returns how far it was consumed (a reference cut by the chunk's end waits). */
  private textRun(s: string, from: number, to: number, complete: boolean): number {
    if (this.open.length === 0) {
      if (s.slice(from, to).trim()) throw damaged(this.part, 'it holds text outside its root element');
      return to;
    }
    if (!this.visitor.capturing) return to;
    let end = to;
    if (!complete) {
      const amp = s.lastIndexOf('&', to - 1);
      if (amp >= from && s.indexOf(';', amp) === -1) end = amp;
    }
    if (end > from) {
      const text = s.slice(from, end);
      this.visitor.text(text.includes('&') ? decodeReferences(text, this.part) : text);
    }
    return end;
  }

  /** Scans the markup at `lt`; returns the index after it, or -1 when the chunk ends inside it. */
  private markup(s: string, lt: number): number {
    const c = s.charCodeAt(lt + 1);
    if (c === SLASH) return this.closeTag(s, lt);
    if (c === 0x3f) return this.startSection(s, lt, 2, INSTRUCTION);
    if (c === 0x21) {
      if (s.startsWith('!--', lt + 1)) return this.startSection(s, lt, 4, COMMENT);
      if (s.startsWith('![CDATA[', lt + 1)) {
        if (this.open.length === 0) throw damaged(this.part, 'it holds text outside its root element');
        return this.startSection(s, lt, 9, CDATA);
      }
      if (s.startsWith('!DOCTYPE', lt + 1)) throw refusedDtd(this.part);
      if (lt + 9 > s.length) return -1;
      throw damaged(this.part, `it holds markup XML does not allow ("${s.slice(lt, lt + 12)}")`);
    }
    if (Number.isNaN(c)) return -1;
    return this.openTag(s, lt);
  }

  private startSection(s: string, lt: number, length: number, section: Section): number {
    if (lt + length > s.length) return -1;
    this.section = section;
    return lt + length;
  }

  /** Inside a comment, instruction or CDATA section, which may run across many chunks. */
  private inSection(s: string, from: number, final: boolean): number {
    const section = this.section!;
    const end = s.indexOf(section.end, from);
    // Keep the last characters back: they may begin the terminator. Not half a surrogate pair:
    // what is kept back waits as UTF-8, where half a pair has no spelling.
    let to = end === -1 ? (final ? s.length : Math.max(from, s.length - section.end.length + 1)) : end;
    if (to > from && to < s.length && isHighSurrogate(s.charCodeAt(to - 1))) to--;
    if (section.text && to > from && this.visitor.capturing) this.visitor.text(s.slice(from, to));
    if (end === -1) return to;
    this.section = undefined;
    return end + section.end.length;
  }

  private closeTag(s: string, lt: number): number {
    const open = this.open;
    const name = open[open.length - 1];
    let gt = name === undefined ? -1 : lt + 2 + name.length;
    if (s.charCodeAt(gt) !== GT || !s.startsWith(name!, lt + 2)) {
      gt = s.indexOf('>', lt + 2);
      if (gt === -1) return -1;
      const closing = s.slice(lt + 2, gt).trim();
      if (name === undefined) throw damaged(this.part, `it closes </${closing}>, which was never opened`);
      if (closing !== name) throw damaged(this.part, `its element <${name}> is closed by </${closing}>`);
    }
    open.pop();
    this.visitor.close(this.known.pop());
    return gt + 1;
  }

  private openTag(s: string, lt: number): number {
    const n = s.length;
    let j = lt + 1;
    let colon = -1;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c <= 0x20 || c === GT || c === SLASH) break;
      if (c === COLON) colon = j;
      else if (c === LT || c === EQUALS || c === QUOTE || c === APOSTROPHE) throw damaged(this.part, `it holds a malformed tag ("${s.slice(lt, j + 1)}")`);
    }
    if (j === n) return -1;
    if (j === lt + 1) throw damaged(this.part, 'it holds a "<" that starts no tag');
    const nameEnd = j;
    const end = this.readAttributes(s, j);
    if (end === -1) return -1;
    if (this.open.length === 0) {
      if (this.rootSeen) throw damaged(this.part, 'it holds more than one root element');
      this.rootSeen = true;
    }
    const known = this.knownName(s, colon === -1 ? lt + 1 : colon + 1, nameEnd);
    this.visitor.open(known, this);
    if (s.charCodeAt(end - 2) === SLASH) this.visitor.close(known);
    else {
      this.open.push(known !== undefined && colon === -1 ? known : s.slice(lt + 1, nameEnd));
      this.known.push(known);
    }
    return end;
  }

  /** The attributes from `j` to the tag's end, as offsets; returns the index after `>`, or -1. */
  private readAttributes(s: string, j: number): number {
    const n = s.length;
    let attributes = this.attributes;
    let count = 0;
    for (;;) {
      while (j < n && s.charCodeAt(j) <= 0x20) j++;
      if (j >= n) return -1;
      const c = s.charCodeAt(j);
      if (c === GT || c === SLASH) {
        if (c === SLASH) {
          if (j + 1 >= n) return -1;
          if (s.charCodeAt(j + 1) !== GT) throw this.malformed(s, j);
          j++;
        }
        this.attributeCount = count;
        return j + 1;
      }
      const nameStart = j;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d <= 0x20 || d === EQUALS || d === GT || d === SLASH || d === LT) break;
        j++;
      }
      const nameEnd = j;
      while (j < n && s.charCodeAt(j) <= 0x20) j++;
      if (j + 1 >= n) return -1;
      if (nameEnd === nameStart || s.charCodeAt(j) !== EQUALS) throw this.malformed(s, j);
      j++;
      while (j < n && s.charCodeAt(j) <= 0x20) j++;
      if (j >= n) return -1;
      const quote = s.charCodeAt(j);
      if (quote !== QUOTE && quote !== APOSTROPHE) throw this.malformed(s, j);
      const valueEnd = s.indexOf(quote === QUOTE ? '"' : "'", j + 1);
      if (valueEnd === -1) return -1;
      if (4 * count === attributes.length) {
        this.attributes = new Int32Array(2 * attributes.length);
        this.attributes.set(attributes);
        attributes = this.attributes;
      }
      attributes[4 * count] = nameStart;
      attributes[4 * count + 1] = nameEnd;
      attributes[4 * count + 2] = j + 1;
      attributes[4 * count + 3] = valueEnd;
      count++;
      j = valueEnd + 1;
      const after = s.charCodeAt(j);
      if (j < n && after > 0x20 && after !== GT && after !== SLASH) throw this.malformed(s, j);
    }
  }

  private knownName(s: string, from: number, to: number): string | undefined {
    for (const name of this.names) if (name.length === to - from && s.startsWith(name, from)) return name;
    return undefined;
  }

  private malformed(s: string, at: number): Error {
    const tag = s.lastIndexOf('<', at);
    return damaged(this.part, `it holds a malformed tag ("${s.slice(tag, Math.min(at + 1, tag + 60))}")`);
  }
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** How many of the bytes end on a character's boundary: a chunk may end inside a UTF-8 sequence. Bytes that are no UTF-8 are left for the decoder to refuse. */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) return (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > back ? n - back : n;
  }
  return n;
}

/** A part streamed through the scanner, chunk by chunk. */
export async function scanXmlPart(chunks: AsyncIterable<Buffer>, part: string, names: readonly string[], visitor: ScanVisitor): Promise<void> {
  const scanner = new XmlScanner(part, names, visitor);
  for await (const chunk of chunks) scanner.write(chunk);
  scanner.end();
}
