import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createListReader, MAX_PAGE_SIZE, type ListReader } from '../../packages/client/src/lists/index.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { importFile, importJob } from '../helpers/run-import.js';

const fixture = useEngineFixture();
const readers: ListReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

function reader(): ListReader {
  const created = createListReader({ pool: fixture.db.pool });
  readers.push(created);
  return created;
}

async function importList(csv: string, input: Parameters<typeof importJob>[0] = {}) {
  const job = importJob(input);
  const result = await importFile(fixture.db, fixture.temp.write(csv), job);
  return { jobId: job.jobId, listId: result.listId! };
}

describe('createListReader', () => {
  it('gets a list by its id and by its jobId, with its columns in the file order', async () => {
    const { jobId, listId } = await importList('Email,Tags\nann@example.org,"[""vip""]"\nbo@example.org,[]\n', {
      list: { name: 'Contacts', ownerId: 'user-42', metadata: { from: 'web' } },
      columns: [{ name: 'Tags', type: 'json' }],
    });

    const list = await reader().getList(listId);

    expect(list).toEqual({
      id: listId, jobId, name: 'Contacts', fileName: null, ownerId: 'user-42', metadata: { from: 'web' }, rowCount: 2,
      createdAt: expect.any(Date),
      columns: [
        { key: 'email', name: 'Email', type: 'string', format: null },
        { key: 'tags', name: 'Tags', type: 'json', format: null },
      ],
    });
    expect(Date.now() - list!.createdAt.getTime()).toBeLessThan(60_000);
    expect(await reader().getListByJobId(jobId)).toEqual(list);
  });

  it('answers null for a list id or jobId that names no list, a malformed id included', async () => {
    const lists = reader();

    expect(await lists.getList(randomUUID())).toBeNull();
    expect(await lists.getList('not-a-uuid')).toBeNull();
    expect(await lists.getListByJobId(`imp_${randomUUID()}`)).toBeNull();
  });

  it('pages through the rows in row order by keyset, the last page saying there is no next one', async () => {
    const { listId } = await importList(numberedCsv(25));
    const lists = reader();

    const first = await lists.listRows(listId, { limit: 10 });
    const second = await lists.listRows(listId, { afterRow: first.nextAfterRow!, limit: 10 });
    const last = await lists.listRows(listId, { afterRow: second.nextAfterRow!, limit: 10 });

    expect(first.rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.nextAfterRow).toBe(10);
    expect(second.rows.map((r) => r.rowNumber)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(last.rows.map((r) => r.rowNumber)).toEqual([21, 22, 23, 24, 25]);
    expect(last.nextAfterRow).toBeNull();
    expect(first.rows[0]!.data).toEqual(expect.objectContaining({ n: '1' }));
  });

  it('says a full last page is the last one, and gives 100 rows when no limit is asked', async () => {
    const { listId } = await importList(numberedCsv(120));
    const lists = reader();

    const all = await lists.listRows(listId, { limit: 120 });
    const firstPage = await lists.listRows(listId);

    expect(all.rows).toHaveLength(120);
    expect(all.nextAfterRow).toBeNull();
    expect(firstPage.rows).toHaveLength(100);
    expect(firstPage.nextAfterRow).toBe(100);
  });

  it(`refuses a limit above ${MAX_PAGE_SIZE} or below 1, and a negative afterRow, naming the value`, async () => {
    const lists = reader();

    await expect(lists.listRows(randomUUID(), { limit: MAX_PAGE_SIZE + 1 })).rejects.toThrow(/limit must be a whole number from 1 to 1000, not 1001/);
    await expect(lists.listRows(randomUUID(), { limit: 0 })).rejects.toThrow(RangeError);
    await expect(lists.listRows(randomUUID(), { afterRow: -1 })).rejects.toThrow(/afterRow must be a whole number ≥ 0, not -1/);
  });

  it('deletes a list with its columns and rows, and answers false for one that is not there', async () => {
    const { listId } = await importList('a,b\n1,2\n3,4\n');
    const lists = reader();

    expect(await lists.deleteList(listId)).toBe(true);
    expect(await lists.getList(listId)).toBeNull();
    const { rows } = await fixture.db.pool.query('select count(*)::int as n from list_rows where list_id = $1', [listId]);
    expect(rows[0].n).toBe(0);
    expect(await lists.deleteList(listId)).toBe(false);
  });

  it('opens its own pool from a connection string and ends it on close', async () => {
    const { listId } = await importList('a\nx\n');
    const lists = createListReader({ connectionString: fixture.db.url });

    const page = await lists.listRows(listId);
    await lists.close();

    expect(page.rows).toEqual([{ rowNumber: 1, data: { a: 'x' } }]);
    await expect(lists.getList(listId)).rejects.toThrow(/after calling end on the pool/);
  });
});
