import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../src/shared/contract.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { readRows } from '../helpers/read-list.js';
import { importFile, importJob } from '../helpers/run-import.js';

/** Type inference (DESIGN §5.8): suggested always, applied only with csv.inferTypes "lossless". */

const csv = (lines: string[]) => `${lines.join('\n')}\n`;
const FILE = ['id,price,day,active,zip,phone', '1,"1,5",2024-03-01,true,01234,+4930123', '2,"2,25",2024-12-31,false,12345,+4930124'];

describe('type inference', () => {
  const fixture = useEngineFixture();

  it('suggests types in the preview and stores strings by default', async () => {
    const path = fixture.temp.write(csv(FILE));
    let preview: ImportPreview | undefined;
    const result = await importFile(fixture.db, path, importJob(), { onPreview: (p) => (preview = p) });
    expect(result.columns.map((c) => c.type)).toEqual(['string', 'string', 'string', 'string', 'string', 'string']);
    expect(preview!.columns.map((c) => c.suggested)).toEqual([
      { type: 'integer' },
      { type: 'number', format: { decimalChar: ',' } },
      { type: 'date', format: { pattern: 'YYYY-MM-DD' } },
      { type: 'boolean' },
      { type: 'string' },
      { type: 'string' },
    ]);
    expect((await readRows(fixture.db.pool, result.listId))[0]!.data).toEqual({ id: '1', price: '1,5', day: '2024-03-01', active: 'true', zip: '01234', phone: '+4930123' });
  });

  it('applies what the sample proves with "lossless", keeping leading zeros and a leading + as strings', async () => {
    const path = fixture.temp.write(csv(FILE));
    const result = await importFile(fixture.db, path, importJob({ csv: { inferTypes: 'lossless' } }));
    expect(result.columns.map((c) => c.type)).toEqual(['integer', 'number', 'date', 'boolean', 'string', 'string']);
    expect(result.columns[1]!.format).toEqual({ decimalChar: ',' });
    const rows = await readRows(fixture.db.pool, result.listId);
    expect(rows[1]!.data).toEqual({ id: 2, price: 2.25, day: '2024-12-31', active: false, zip: '12345', phone: '+4930124' });
    expect(rows[1]!.text.price).toBe('2.25');
  });

  it('leaves undecidable columns string and says why, unless the locale decides', async () => {
    const path = fixture.temp.write(csv(['amount;day', '1.234;03/04/2024', '5.678;05/06/2024']));
    let preview: ImportPreview | undefined;
    const result = await importFile(fixture.db, path, importJob({ csv: { delimiter: ';', inferTypes: 'lossless' } }), { onPreview: (p) => (preview = p) });
    expect(result.columns.map((c) => c.type)).toEqual(['string', 'string']);
    expect(preview!.columns[0]!.suggested!.ambiguous).toMatch(/"1.234" reads as 1.234 with "." as decimal separator and as 1234/);
    expect(preview!.columns[1]!.suggested!.ambiguous).toMatch(/order of day and month is unknown/);

    const german = await importFile(fixture.db, path, importJob({ csv: { delimiter: ';', inferTypes: 'lossless', locale: 'de-DE' } }));
    expect(german.columns.map((c) => [c.type, c.format])).toEqual([['integer', { decimalChar: ',', groupChar: '.' }], ['date', { pattern: 'DD/MM/YYYY' }]]);
    expect((await readRows(fixture.db.pool, german.listId))[0]!.data).toEqual({ amount: 1234, day: '2024-04-03' });
  });

  it('never infers over a declared type', async () => {
    const path = fixture.temp.write(csv(FILE));
    const result = await importFile(fixture.db, path, importJob({ csv: { inferTypes: 'lossless' }, columns: [{ name: 'id', type: 'string' }] }));
    expect(result.columns[0]!.type).toBe('string');
  });

  it('restarts once with the column as string when a value after the sample contradicts it', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `${i + 1},${i === 1200 ? 'n/a' : (i + 1) * 2},x${i}`);
    const path = fixture.temp.write(csv(['id,count,note', ...rows]));
    const result = await importFile(fixture.db, path, importJob({ csv: { inferTypes: 'lossless' } }));
    expect(result.columns.map((c) => c.type)).toEqual(['integer', 'string', 'string']);
    expect(result.rows).toBe(1500);
    const stored = await readRows(fixture.db.pool, result.listId, [1, 1201]);
    expect(stored.map((r) => r.data)).toEqual([{ id: 1, count: '2', note: 'x0' }, { id: 1201, count: 'n/a', note: 'x1200' }]);
  });
});
