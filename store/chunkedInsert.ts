import type { Statement } from 'better-sqlite3';
import type { Db } from './openDatabase';

/**
 * An INSERT whose rows are written `chunk` per statement: one call into SQLite where there
 * would be `chunk`, which is most of the cost of a row in a replay. Rows go in the order they
 * were added; the ones that do not fill a chunk are written one by one at `flush`. For a table
 * touched by other statements too, flush before them, so they see every row added earlier.
 */
export class ChunkedInsert {
  private readonly one: Statement;
  private readonly many: Statement;
  private readonly pending: unknown[];
  private readonly row: unknown[];
  private rows = 0;

  /** `insert` is `INSERT INTO t (a, b, ...)`; `onConflict`, if any, follows the VALUES (an upsert clause). */
  constructor(
    db: Db,
    insert: string,
    private readonly columns: number,
    onConflict = '',
    private readonly chunk = 100,
  ) {
    const row = `(${Array(columns).fill('?').join(', ')})`;
    this.one = db.prepare(`${insert} VALUES ${row} ${onConflict}`);
    this.many = db.prepare(`${insert} VALUES ${Array(chunk).fill(row).join(', ')} ${onConflict}`);
    this.pending = new Array(columns * chunk);
    this.row = new Array(columns);
  }

  add(...values: unknown[]): void {
    const at = this.rows * this.columns;
    for (let i = 0; i < this.columns; i++) this.pending[at + i] = values[i];
    if (++this.rows === this.chunk) {
      this.many.run(this.pending);
      this.rows = 0;
    }
  }

  /** Forgets rows not yet written: their transaction failed and is rolled back. */
  discard(): void {
    this.rows = 0;
  }

  flush(): void {
    // A live batch is mostly smaller than a chunk: its rows go one by one through one reused array.
    for (let r = 0; r < this.rows; r++) {
      for (let i = 0; i < this.columns; i++) this.row[i] = this.pending[r * this.columns + i];
      this.one.run(this.row);
    }
    this.rows = 0;
  }
}
