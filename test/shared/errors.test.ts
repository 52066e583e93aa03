import { describe, expect, it } from 'vitest';
import { ImportError, classifyPgError, toImportError } from '../../src/shared/errors.js';

describe('import errors', () => {
  it('derives retryable from the code', () => {
    expect(new ImportError('COLUMN_COUNT', 'x').retryable).toBe(false);
    expect(new ImportError('FILE_NOT_FOUND', 'x').retryable).toBe(false);
    expect(new ImportError('STORAGE_STALLED', 'x').retryable).toBe(true);
    expect(new ImportError('SHUTTING_DOWN', 'x').retryable).toBe(true);
  });

  it('classifies lost connections, admin shutdown, serialization failures and deadlocks as transient', () => {
    for (const code of ['08006', '08003', '57P01', '40001', '40P01', '53300', 'ECONNRESET', 'ECONNREFUSED']) {
      expect(classifyPgError({ code, message: 'x' })?.retryable, code).toBe(true);
    }
    expect(classifyPgError(new Error('Connection terminated unexpectedly'))?.code).toBe('DATABASE_UNAVAILABLE');
  });

  it('classifies a driver error Drizzle wrapped (found through cause), not as internal', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('Failed query: select "id" from "lists"\nparams: job-1', { cause: refused });
    expect(toImportError(wrapped)).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
    expect(toImportError(wrapped).message).not.toContain('Failed query');
  });

  it('leaves other PostgreSQL errors unclassified, so they count as internal', () => {
    expect(classifyPgError({ code: '22P02', message: 'invalid input syntax for type json' })).toBeUndefined();
    expect(toImportError({ code: '22P02', message: 'bad' }).code).toBe('INTERNAL');
  });

  it('serialises to the status document shape with problems', () => {
    const problem = { row: 2, line: 3, column: 'a', code: 'COLUMN_COUNT' as const, message: 'm', value: 'v' };
    const json = new ImportError('COLUMN_COUNT', 'bad rows', { problems: [problem], problemCount: 1 }).toJSON();
    expect(json).toEqual({ code: 'COLUMN_COUNT', message: 'bad rows', retryable: false, problems: [problem], problemCount: 1 });
  });
});
