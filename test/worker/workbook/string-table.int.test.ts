import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StringTable } from '../../../src/worker/import-csv/sources/workbook/string-table.js';
import { createTempDir } from '../../helpers/temp-csv.js';

const temp = createTempDir();
afterAll(() => temp.remove());

/** Strings of every size a prefix is written in, multi-byte text, empty ones, one longer than a page. */
function strings(): string[] {
  const all: string[] = [];
  for (let i = 0; i < 6000; i++) {
    if (i % 500 === 7) all.push('');
    else if (i % 1000 === 3) all.push(`long ${i} `.repeat(5000));
    else if (i % 3 === 0) all.push(`Ünïcödé ${i} 漢字 😀`);
    else all.push(`customer${i}@example.com`.repeat(1 + (i % 9)));
  }
  return all;
}

describe('StringTable', () => {
  it('reads every string back, in order, backwards and scattered, with most of them in its spill file', () => {
    const spillPath = join(temp.dir, 'spilled-strings');
    const table = new StringTable({ spillPath, memoryBytes: 64 * 1024 });
    const added = strings();
    for (const s of added) table.add(s);
    try {
      expect(table.count).toBe(added.length);
      expect(statSync(spillPath).size).toBeGreaterThan(table.bytes / 2);
      expect(added.map((_, i) => table.get(i))).toEqual(added);
      for (let i = added.length - 1; i >= 0; i--) expect(table.get(i)).toBe(added[i]);
      for (let k = 0; k < 3000; k++) {
        const i = (k * 7919) % added.length;
        expect(table.get(i)).toBe(added[i]);
      }
      expect(table.get(added.length)).toBeUndefined();
      expect(table.get(-1)).toBeUndefined();
    } finally {
      table.close();
    }
  });

  it('reads a sheet’s pattern: each new string in turn, between repeats of early ones and jumps ahead', () => {
    const table = new StringTable({ spillPath: join(temp.dir, 'sheet-pattern'), memoryBytes: 64 * 1024 });
    const added = strings();
    for (const s of added) table.add(s);
    try {
      for (let i = 0; i < added.length; i++) {
        expect(table.get(i)).toBe(added[i]);
        expect(table.get(i % 10)).toBe(added[i % 10]);
        if (i % 97 === 0) expect(table.get(Math.min(i + 40, added.length - 1))).toBe(added[Math.min(i + 40, added.length - 1)]);
      }
    } finally {
      table.close();
    }
  });

  it('reads strings back while it is still being filled, as pages are sealed, spilled and read again', () => {
    for (const memoryBytes of [0, 40_000, 1 << 30]) {
      const table = new StringTable({ spillPath: join(temp.dir, `while-filling-${memoryBytes}`), memoryBytes });
      const added = strings();
      try {
        added.forEach((s, i) => {
          table.add(s);
          expect(table.get(i), `string ${i}, ${memoryBytes} bytes in memory`).toBe(s);
          if (i > 0) expect(table.get(i - 1)).toBe(added[i - 1]);
          if (i % 13 === 0) expect(table.get((i * 7) % (i + 1))).toBe(added[(i * 7) % (i + 1)]);
        });
        expect(added.map((_, i) => table.get(i))).toEqual(added);
      } finally {
        table.close();
      }
    }
  });

  it('writes no file while its strings fit in memory', () => {
    const spillPath = join(temp.dir, 'never-written');
    const table = new StringTable({ spillPath, memoryBytes: 1 << 20 });
    for (let i = 0; i < 1000; i++) table.add(`value ${i}`);
    expect(table.get(999)).toBe('value 999');
    table.close();
    expect(existsSync(spillPath)).toBe(false);
  });
});
