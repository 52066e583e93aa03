import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ImportError } from '../../../../shared/errors.js';

/** What a reader of one workbook part is told as the XML streams by; names are local (no prefix). */
export interface XmlVisitor {
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  text?(text: string): void;
}

/**
 * One part of a workbook through a SAX parser, fed chunk by chunk. Parts are UTF-8 (the other
 * encodings XML allows are not written by any spreadsheet program we know of, and are refused
 * as damaged rather than guessed at). A DTD is refused outright: it is how entity expansion (a
 * "billion laughs") and external entities get into XML, and no spreadsheet writes one; saxes
 * itself expands only the five predefined entities and character references.
 */
export class XmlPartParser {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private failure: unknown;

  constructor(private readonly part: string, visitor: XmlVisitor) {
    const { parser } = this;
    parser.on('error', (err) => {
      this.failure ??= damaged(part, err.message);
    });
    parser.on('doctype', () => {
      this.failure ??= refusedDtd(part);
    });
    parser.on('opentag', (tag: SaxesTagPlain) => visitor.open(localName(tag.name), tag.attributes));
    parser.on('closetag', (tag: SaxesTagPlain) => visitor.close(localName(tag.name)));
    if (visitor.text) {
      const text = visitor.text.bind(visitor);
      parser.on('text', text);
      parser.on('cdata', text);
    }
  }

  write(chunk: Buffer): void {
    this.parser.write(this.decode(chunk));
    this.throwFailure();
  }

  end(): void {
    this.parser.write(this.decode(undefined));
    this.parser.close();
    this.throwFailure();
  }

  private decode(chunk: Buffer | undefined): string {
    try {
      return chunk ? this.decoder.decode(chunk, { stream: true }) : this.decoder.decode();
    } catch {
      throw damaged(this.part, 'it is not UTF-8 text');
    }
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }
}

/** Reads a whole part (the small ones that describe the workbook). */
export async function readXmlPart(chunks: AsyncIterable<Buffer>, part: string, visitor: XmlVisitor): Promise<void> {
  const parser = new XmlPartParser(part, visitor);
  for await (const chunk of chunks) parser.write(chunk);
  parser.end();
}

/** The element's name without its namespace prefix (`x:row` is `row`): writers differ in prefixes. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

export const damaged = (part: string, why: string) =>
  new ImportError(
    'CSV_MALFORMED',
    `the workbook is damaged: its part "${part}" cannot be read (${why}). Open it in a spreadsheet program and save it again, or export the sheet as CSV`,
  );

export const refusedDtd = (part: string) =>
  new ImportError(
    'CSV_MALFORMED',
    `the workbook's part "${part}" declares a DTD, which no spreadsheet program writes; it is refused, as XML entities can attack a reader. Open the file in a spreadsheet program and save it again`,
  );
