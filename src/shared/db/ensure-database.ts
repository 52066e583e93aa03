import pg from 'pg';

/**
 * Creates the database `url` names when it does not exist yet, connecting to the server's
 * `postgres` database to do so: local runs (`npm run dev`, the demo) start from a bare server.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    try {
      await admin.query(`create database "${name.replaceAll('"', '""')}"`);
    } catch (err) {
      // Two processes starting at once: the other one created it first.
      if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
    }
  } finally {
    await admin.end();
  }
}
