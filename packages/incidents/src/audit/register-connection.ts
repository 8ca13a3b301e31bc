import pg from 'pg';

/** A small pool for a command-line tool on the register's database. */
export function connectRegister(databaseUrl: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // An idle connection dropped by the server must not crash the tool; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}
