/**
 * True for SQLSTATE class 22, "data exception" (22P05 an untranslatable Unicode escape in jsonb,
 * 22021 a byte sequence UTF-8 refuses, 22003 a number out of range, 22008 a datetime out of
 * range...): the statement's data is at fault, so the same statement fails again however often
 * it is retried. See https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isDataException(sqlstate: string): boolean {
  return /^22[0-9A-Z]{3}$/.test(sqlstate);
}
