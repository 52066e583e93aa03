import type { RefusedFileType } from '../../../shared/contract.js';

/** What a markup file is, as a user knows it. */
export interface MarkupKind {
  fileType: RefusedFileType;
  what: string;
}

// How markup begins once a BOM and white space are passed. A table's header line never does:
// it would need a column named like a tag.
const MARKUP_START = /^(<\?xml[\s?]|<!--|<!doctype\s|<(html|head|body|table|meta|workbook)[\s>/])/;
const LOOK_CHARS = 64 * 1024;

/**
 * Text that is markup rather than a table of values (DESIGN §5.6): a web page (what many sites'
 * "Export to Excel" writes, and Excel's "Save as Web Page", both often named .xls), Excel 2003's
 * XML spreadsheet, OpenDocument's flat XML (.fods), or another XML document. Read as CSV their
 * tags would become rows. `utf16` says the head is UTF-16, whose markup is ASCII with a NUL beside
 * each character.
 */
export function markupKindOf(head: Buffer, utf16: boolean): MarkupKind | undefined {
  let text = head.toString('latin1', 0, Math.min(head.length, utf16 ? 2 * LOOK_CHARS : LOOK_CHARS));
  if (utf16) text = text.replace(/\0/g, '');
  const start = text.replace(/^(\xef\xbb\xbf|\xff\xfe|\xfe\xff)/, '').trimStart().toLowerCase();
  if (!MARKUP_START.test(start)) return undefined;
  if (start.includes('urn:schemas-microsoft-com:office:spreadsheet')) return { fileType: 'xml', what: 'an Excel 2003 XML spreadsheet' };
  if (start.includes('application/vnd.oasis.opendocument.spreadsheet') || start.includes('<office:document')) {
    return { fileType: 'ods', what: 'an OpenDocument spreadsheet saved as flat XML (.fods)' };
  }
  if (/^(<!doctype\s+html|<html|<head|<body|<table|<meta)/.test(start) || /<html[\s>]/.test(start)) {
    return { fileType: 'html', what: 'a web page (HTML), not a spreadsheet file' };
  }
  return { fileType: 'xml', what: 'an XML document' };
}
