/** Anything that runs SQL: a `pg.Pool` or client fits. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * Runs a `CREATE ... IF NOT EXISTS` statement for a table a component keeps for itself (outside the
 * register's migrations). `IF NOT EXISTS` does not cover two processes creating it at once: the loser
 * fails with unique_violation, duplicate_table or duplicate_object (the table's row type) once the
 * winner's table is committed. Those mean it exists now, which is all the caller wanted.
 */
export async function createIfMissing(db: SqlRunner, ddl: string): Promise<void> {
  try {
    await db.query(ddl);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P07' && code !== '42710') throw error;
  }
}
