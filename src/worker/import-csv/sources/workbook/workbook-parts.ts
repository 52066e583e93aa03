import { damaged, readXmlPart } from './xml-parts.js';

/** The zip side of a workbook: its entries' names, and an entry's inflated bytes (bounded). */
export interface WorkbookArchive {
  has(name: string): boolean;
  /** The part's inflated bytes; `onInflated` hears how many so far. */
  read(name: string, onInflated?: (bytes: number) => void): AsyncIterable<Buffer>;
}

export interface SheetEntry {
  name: string;
  hidden: boolean;
  /** The sheet's part in the archive; undefined for a chartsheet or dialog sheet, which hold no cells. */
  part: string | undefined;
}

/** Where a workbook's parts are, read from its package and workbook relationships (ECMA-376 Part 2). */
export interface WorkbookLayout {
  sheets: SheetEntry[];
  /** The 1904 date system (Excel for Mac before 2011): serial 0 is 1904-01-01. */
  date1904: boolean;
  sharedStrings: string | undefined;
  styles: string | undefined;
}

const OFFICE_DOCUMENT = /\/officeDocument$/;
const WORKSHEET = /\/worksheet$/;

export async function readWorkbookLayout(archive: WorkbookArchive): Promise<WorkbookLayout> {
  const root = await readRelationships(archive, '_rels/.rels', '');
  const workbook = root.find((r) => OFFICE_DOCUMENT.test(r.type))?.target ?? 'xl/workbook.xml';
  if (!archive.has(workbook)) throw damaged(workbook, 'it is missing');
  const folder = workbook.slice(0, workbook.lastIndexOf('/') + 1);
  const rels = await readRelationships(archive, `${folder}_rels/${workbook.slice(folder.length)}.rels`, folder);
  const byId = new Map(rels.map((r) => [r.id, r]));
  const layout: WorkbookLayout = {
    sheets: [],
    date1904: false,
    sharedStrings: rels.find((r) => r.type.endsWith('/sharedStrings'))?.target,
    styles: rels.find((r) => r.type.endsWith('/styles'))?.target,
  };
  await readXmlPart(archive.read(workbook), workbook, {
    open(name, attributes) {
      if (name === 'workbookPr') layout.date1904 = isTrue(attributes.date1904);
      if (name !== 'sheet') return;
      const rel = byId.get(relationshipId(attributes) ?? '');
      layout.sheets.push({
        name: attributes.name ?? `Sheet${layout.sheets.length + 1}`,
        hidden: attributes.state === 'hidden' || attributes.state === 'veryHidden',
        part: rel && WORKSHEET.test(rel.type) ? rel.target : undefined,
      });
    },
    close() {},
  });
  if (layout.sheets.length === 0) throw damaged(workbook, 'it lists no sheets');
  return layout;
}

interface Relationship {
  id: string;
  type: string;
  target: string;
}

async function readRelationships(archive: WorkbookArchive, part: string, folder: string): Promise<Relationship[]> {
  if (!archive.has(part)) return [];
  const rels: Relationship[] = [];
  await readXmlPart(archive.read(part), part, {
    open(name, a) {
      if (name === 'Relationship' && a.Id && a.Type && a.Target && a.TargetMode !== 'External') {
        rels.push({ id: a.Id, type: a.Type, target: resolveTarget(folder, a.Target) });
      }
    },
    close() {},
  });
  return rels;
}

/** A target is relative to the folder of the part that names it, or absolute from the package root. */
function resolveTarget(folder: string, target: string): string {
  const segments = (target.startsWith('/') ? target.slice(1) : folder + target).split('/');
  const path: string[] = [];
  for (const s of segments) {
    if (s === '..') path.pop();
    else if (s !== '.' && s !== '') path.push(s);
  }
  return path.join('/');
}

/** `r:id`, whatever prefix the writer bound the relationships namespace to. */
function relationshipId(attributes: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(attributes)) if (name === 'id' || name.endsWith(':id')) return value;
  return undefined;
}

const isTrue = (value: string | undefined) => value === '1' || value === 'true';
