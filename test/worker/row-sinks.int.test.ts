import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { countAll } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** The list's transaction as a row sink: one ROLLBACK, on a client that is still ours. */

describe('the list sink', () => {
  const fixture = useEngineFixture();

  it('rolls back once when the last word before COMMIT refuses, never on a client back in the pool', async () => {
    const notices: string[] = [];
    const listen = (client: pg.PoolClient) => client.on('notice', (n) => notices.push(n.message ?? ''));
    fixture.db.pool.on('connect', listen);
    try {
      const before = await countAll(fixture.db.pool);
      const path = fixture.temp.write('a,b\n1,2\n3,4\n');
      const error = await importError(importFile(fixture.db, path, importJob(), {
        beforeCommit: async () => {
          throw new ImportError('LOCK_LOST', 'another worker took this job over');
        },
      }));
      expect(error.code).toBe('LOCK_LOST');
      // A stray ROLLBACK on an idle client is answered with this warning (and on a client another
      // import had begun with, it would undo that import's work).
      await fixture.db.pool.query('select 1');
      expect(notices).not.toContain('there is no transaction in progress');
      expect(await countAll(fixture.db.pool)).toEqual(before);
    } finally {
      fixture.db.pool.off('connect', listen);
    }
  });

  it('gives a dry run the same last word: refused, it fails instead of reporting success', async () => {
    const path = fixture.temp.write('a,b\n1,2\n3,4\n');
    const error = await importError(importFile(fixture.db, path, importJob({ dryRun: true }), {
      beforeCommit: async () => {
        throw new ImportError('LOCK_LOST', 'another worker took this job over');
      },
    }));
    expect(error.code).toBe('LOCK_LOST');
  });
});
