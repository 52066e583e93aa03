import { afterAll, beforeAll } from 'vitest';
import { createTempDir } from './temp-csv.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

/** Registers a fresh database and a temp folder for the file's engine tests, both removed afterwards. */
export function useEngineFixture() {
  let db: TestDatabase | undefined;
  const temp = createTempDir();
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
    temp.remove();
  });
  return {
    temp,
    get db(): TestDatabase {
      if (!db) throw new Error('the test database exists only inside tests');
      return db;
    },
  };
}
