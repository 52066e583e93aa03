const BLOCK_BYTES = 1024 * 1024;

/**
 * Strings kept as UTF-8 in large buffers, indexed by number: a workbook's shared strings, which
 * cells point into. As JavaScript strings, 600,000 short ones took about 90 MB of heap (a header
 * per string, two bytes a character), and a heap that large let V8 leave as much garbage again
 * before collecting; here they take their UTF-8 bytes and 12 bytes of index, outside the heap.
 * A string is decoded again each time a cell reads it.
 */
export class StringTable {
  private blocks: Buffer[] = [];
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private index = new Uint32Array(3 * 1024);
  count = 0;
  /** Bytes held: the strings' UTF-8 and their index. */
  bytes = 0;

  add(value: string): void {
    const length = Buffer.byteLength(value);
    if (this.used + length > this.block.length) {
      this.blocks.push(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, length));
      this.used = 0;
    }
    const at = this.used;
    this.used += this.block.write(value, at, 'utf8');
    if (3 * this.count + 3 > this.index.length) {
      const grown = new Uint32Array(this.index.length * 2);
      grown.set(this.index);
      this.index = grown;
    }
    const slot = 3 * this.count++;
    this.index[slot] = this.blocks.length;
    this.index[slot + 1] = at;
    this.index[slot + 2] = this.used;
    this.bytes += length + 12;
  }

  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    const slot = 3 * i;
    const block = this.index[slot]!;
    const buffer = block === this.blocks.length ? this.block : this.blocks[block]!;
    return buffer.toString('utf8', this.index[slot + 1], this.index[slot + 2]);
  }
}
