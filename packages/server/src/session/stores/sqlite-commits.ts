import type Database from 'better-sqlite3';
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';

/**
 * The first copy of the wal-index header: the first 48 bytes of the `-shm` file, in the
 * machine's byte order (SQLite's file format, "WAL-index format"). Every commit rewrites it.
 */
const HEADER_BYTES = 48;
/** The header's `iChange` field (its third 32-bit word): +1 with every committed transaction. */
const COMMIT_COUNTER = 2;
const WORDS = HEADER_BYTES / 4;

/**
 * Tells a connection whether anyone else committed to its SQLite file since it last looked:
 * another connection, another process (the CLI, a second backend). In WAL mode it reads the
 * wal-index header, as SQLite itself does when a read transaction starts, with one `pread` and
 * no lock: about half the cost of `PRAGMA data_version`, which takes and drops a read lock
 * (two `fcntl` calls). Any commit changes those bytes, and a commit that has returned is
 * visible to every later read of the file. Without a `-shm` file (`:memory:`, a journal mode
 * other than WAL) it asks `PRAGMA data_version`.
 */
export class CommitWatch {
  readonly #fd: number | undefined;
  readonly #seen = new Uint32Array(WORDS);
  readonly #read = new Uint32Array(WORDS);
  readonly #readBytes = new Uint8Array(this.#read.buffer);
  readonly #dataVersion: () => number;
  #version = -1;

  constructor(db: Database.Database) {
    const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#dataVersion = () => dataVersion.get()!;
    this.#fd = db.pragma('journal_mode', { simple: true }) === 'wal' ? openShm(db.name) : undefined;
    this.committedElsewhere();
  }

  /** Whether a transaction committed since the last look (or this connection's last write). */
  committedElsewhere(): boolean {
    if (this.#fd === undefined) {
      const version = this.#dataVersion();
      const changed = version !== this.#version;
      this.#version = version;
      return changed;
    }
    readSync(this.#fd, this.#readBytes, 0, HEADER_BYTES, 0);
    if (sameWords(this.#read, this.#seen)) return false;
    this.#seen.set(this.#read);
    return true;
  }

  /**
   * Runs a write of this connection (one statement, or one transaction) and tells whether
   * anyone else committed before it or during it. `data_version` never counts a connection's
   * own commits; the header does, so a write that changed rows must account for exactly one.
   */
  ownWrite<T extends { changes: number }>(write: () => T): { result: T; elsewhere: boolean } {
    if (this.#fd === undefined) return { result: write(), elsewhere: this.committedElsewhere() };
    const elsewhereBefore = this.committedElsewhere();
    const before = this.#commits();
    const result = write();
    const expected = result.changes > 0 ? (before + 1) >>> 0 : before;
    const changed = this.committedElsewhere();
    const elsewhere =
      elsewhereBefore || this.#commits() !== expected || (changed && result.changes === 0);
    return { result, elsewhere };
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }

  #commits(): number {
    return this.#seen[COMMIT_COUNTER]!;
  }
}

/** The `-shm` file SQLite maps beside the database (it follows symbolic links too). */
function openShm(path: string): number | undefined {
  try {
    return openSync(`${realpathSync(path)}-shm`, 'r');
  } catch {
    return undefined;
  }
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < WORDS; i++) if (a[i] !== b[i]) return false;
  return true;
}
