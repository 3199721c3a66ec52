/**
 * The `operation` label of a SQL statement: its leading keyword (the SQL verb), read from the
 * first characters of the text and checked against a fixed list, so the label can never carry
 * a table name, a literal or a secret typed into the SQL, and has a few dozen values at most.
 * No `node:` imports: usable on edge runtimes.
 */

/** The label of a statement whose verb is not in {@link SQL_VERBS} (or that has no text). */
export const OTHER_OPERATION = 'OTHER';

/**
 * Verbs kept as labels (PostgreSQL's statement keywords, MySQL's and SQLite's common ones).
 * `WITH` is kept as is: finding the statement after a CTE would mean parsing it.
 */
export const SQL_VERBS: ReadonlySet<string> = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'REPLACE', 'WITH', 'VALUES', 'TABLE',
  'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE', 'PREPARE', 'EXECUTE', 'DEALLOCATE',
  'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'COMMENT', 'GRANT', 'REVOKE', 'REINDEX', 'CLUSTER', 'VACUUM', 'ANALYZE', 'REFRESH',
  'COPY', 'SET', 'RESET', 'SHOW', 'EXPLAIN', 'CALL', 'DO', 'LOCK', 'LISTEN', 'UNLISTEN', 'NOTIFY', 'DECLARE', 'FETCH',
  'MOVE', 'CLOSE', 'DISCARD', 'LOAD', 'CHECKPOINT', 'SECURITY', 'IMPORT', 'USE', 'PRAGMA', 'DESCRIBE',
]);

/** Characters of comments and blanks skipped before giving up on finding the verb. */
const MAX_SCAN = 4_096;
/** The longest verb in {@link SQL_VERBS} is 10 letters; a longer word is not one. */
const MAX_VERB = 10;

/**
 * The verb of `sql` in upper case (`SELECT`, `INSERT`, ...), or {@link OTHER_OPERATION}. Skips
 * blanks, `--` and (nested) block comments and opening parentheses first, as a statement may
 * start `/* app=api *\/ (SELECT ...)`. Never throws; reads at most a few thousand characters.
 */
export function sqlOperation(sql: unknown): string {
  if (typeof sql !== 'string') return OTHER_OPERATION;
  const end = Math.min(sql.length, MAX_SCAN);
  let i = 0;
  while (i < end) {
    const c = sql.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 40 /* ( */ || c === 59 /* ; */) {
      i++;
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i + 2);
      if (nl < 0) return OTHER_OPERATION;
      i = nl + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      i = afterBlockComment(sql, i + 2, end);
    } else {
      return verbAt(sql, i);
    }
  }
  return OTHER_OPERATION;
}

/** Index after the block comment whose body starts at `i` (PostgreSQL nests them); `end` when unterminated. */
function afterBlockComment(sql: string, i: number, end: number): number {
  let depth = 1;
  while (i < end && depth > 0) {
    const c = sql.charCodeAt(i);
    if (c === 42 && sql.charCodeAt(i + 1) === 47) {
      depth--;
      i += 2;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else {
      i++;
    }
  }
  return depth === 0 ? i : end;
}

function verbAt(sql: string, start: number): string {
  let i = start;
  while (i < sql.length && i - start <= MAX_VERB && isLetter(sql.charCodeAt(i))) i++;
  const length = i - start;
  if (length === 0 || length > MAX_VERB) return OTHER_OPERATION;
  const verb = sql.slice(start, i).toUpperCase();
  return SQL_VERBS.has(verb) ? verb : OTHER_OPERATION;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
