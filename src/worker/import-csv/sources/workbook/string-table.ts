import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const PAGE_BYTES = 32 * 1024;
/** Strings per index entry: a lookup skips at most this many length prefixes. */
const GROUP = 32;
/** Spilled pages kept in memory, most recently read last. */
const CACHED_PAGES = 16;

export interface StringTableOptions {
  /** A path of the table's own for what passes `memoryBytes`, removed by its owner's cleanup. */
  spillPath: string;
  /** Bytes of strings held in memory; later pages go to the spill file. */
  memoryBytes: number;
}

interface Page {
  /** The page's bytes while in memory; undefined once written to the spill file. */
  memory: Buffer | undefined;
  /** Where it lies in the spill file. */
  at: number;
  length: number;
}

/**
 * Strings indexed by number: a workbook's shared strings, which cells point into. Kept as UTF-8
 * with a length prefix in 32 KiB pages, and an index of one entry per 32 strings. With a spill
 * path, the pages past `memoryBytes` are written to a file and read back on demand through a
 * small cache of pages: the table's memory stays flat however many rows (each of which may add
 * a string) the sheet has. The first strings stay in memory, as writers number strings in order
 * of first use and the often repeated ones come early; cells mostly read the rest in order.
 * As JavaScript strings, 600,000 short ones took about 90 MB of heap.
 */
export class StringTable {
  private readonly pages: Page[] = [];
  private page = Buffer.allocUnsafe(PAGE_BYTES);
  private used = 0;
  private groupPages = new Uint32Array(1024);
  private groupOffsets = new Uint32Array(1024);
  private memoryHeld = 0;
  private fd: number | undefined;
  private spilled = 0;
  private readonly cache = new Map<number, Buffer>();
  /** The spilled page read last: consecutive cells mostly read one page, and touching the cache's order for each would churn its table. */
  private lastPage = -1;
  private lastBytes: Buffer | undefined;
  /**
   * Where the string after the furthest one read so far starts. Writers number strings in order
   * of first use, so a sheet read in order mostly asks for the next new string: it is read from
   * here rather than by skipping from its group's start. Earlier strings leave it where it is.
   */
  private nextIndex = 0;
  private nextPage = 0;
  private nextAt = 0;
  count = 0;
  /** Bytes the table takes, in memory and spilled: its strings, their prefixes, its index. */
  bytes = 0;

  constructor(private readonly options?: StringTableOptions) {}

  add(value: string): void {
    const length = Buffer.byteLength(value);
    const prefix = length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5;
    if (this.used + prefix + length > this.page.length) {
      this.seal();
      this.page = Buffer.allocUnsafe(Math.max(PAGE_BYTES, prefix + length));
      this.used = 0;
    }
    if (this.count % GROUP === 0) this.indexGroup();
    let n = length;
    while (n >= 0x80) {
      this.page[this.used++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.page[this.used++] = n;
    this.used += this.page.write(value, this.used, 'utf8');
    this.count++;
    this.bytes += prefix + length;
  }

  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    let p: number;
    let at: number;
    let skip: number;
    if (this.nextIndex <= i && i - this.nextIndex <= i % GROUP) {
      p = this.nextPage;
      at = this.nextAt;
      skip = i - this.nextIndex;
    } else {
      const group = Math.floor(i / GROUP);
      p = this.groupPages[group]!;
      at = this.groupOffsets[group]!;
      skip = i % GROUP;
    }
    let bytes = this.pageBytes(p);
    for (; ; skip--) {
      if (at === this.lengthOf(p)) {
        bytes = this.pageBytes(++p);
        at = 0;
      }
      let length = 0;
      for (let shift = 0; ; shift += 7) {
        const b = bytes[at++]!;
        length += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      if (skip === 0) {
        const end = at + length;
        if (i >= this.nextIndex) {
          this.nextIndex = i + 1;
          this.nextPage = p;
          this.nextAt = end;
        }
        return bytes.toString('utf8', at, end);
      }
      at += length;
    }
  }

  /** Closes the spill file; the table cannot be read after. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private indexGroup(): void {
    const group = this.count / GROUP;
    if (group === this.groupPages.length) {
      this.groupPages = grown(this.groupPages);
      this.groupOffsets = grown(this.groupOffsets);
    }
    this.groupPages[group] = this.pages.length;
    this.groupOffsets[group] = this.used;
    this.bytes += 8;
  }

  /** The filled page joins the table: kept in memory while there is room, else written to the spill file. */
  private seal(): void {
    const bytes = this.page.subarray(0, this.used);
    const { options } = this;
    if (!options || this.memoryHeld + bytes.length <= options.memoryBytes) {
      this.pages.push({ memory: bytes, at: 0, length: bytes.length });
      this.memoryHeld += bytes.length;
      return;
    }
    this.fd ??= openSync(options.spillPath, 'wx+', 0o600);
    writeSync(this.fd, bytes, 0, bytes.length, this.spilled);
    this.pages.push({ memory: undefined, at: this.spilled, length: bytes.length });
    this.spilled += bytes.length;
  }

  private lengthOf(p: number): number {
    return p === this.pages.length ? this.used : this.pages[p]!.length;
  }

  private pageBytes(p: number): Buffer {
    if (p === this.pages.length) return this.page;
    const page = this.pages[p]!;
    if (page.memory) return page.memory;
    if (p === this.lastPage) return this.lastBytes!;
    let bytes = this.cache.get(p);
    if (bytes) {
      this.cache.delete(p);
    } else {
      bytes = this.evictedOrNew(page.length);
      readSync(this.fd!, bytes, 0, page.length, page.at);
    }
    this.cache.set(p, bytes);
    this.lastPage = p;
    this.lastBytes = bytes;
    return bytes;
  }

  /**
   * The least recently read page's buffer when the cache is full: pages are read again and again,
   * and a new buffer each time would be garbage for the full collector. Only page-sized buffers
   * are kept for reuse; one made for a page holding a longer string goes with its page.
   */
  private evictedOrNew(length: number): Buffer {
    if (this.cache.size === CACHED_PAGES) {
      const [oldest, bytes] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      if (bytes.length === PAGE_BYTES && length <= PAGE_BYTES) return bytes;
    }
    return Buffer.allocUnsafe(Math.max(PAGE_BYTES, length));
  }
}

function grown(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
