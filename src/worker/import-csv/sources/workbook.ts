import { refusedFile } from './file-kind.js';
import type { ZipArchive } from './zip-archive.js';

/**
 * The seam for Excel workbooks (DESIGN §5.7): the file-kind check hands an Office Open XML
 * archive here, open, with its entries listed. Until the workbook reader lands it refuses the
 * file in words that say workbooks are not read yet.
 */
export async function readWorkbook(_archive: ZipArchive, _name: string): Promise<never> {
  throw refusedFile({ fileType: 'xlsx', what: 'an Excel workbook (.xlsx)' });
}
