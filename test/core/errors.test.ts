import { describe, expect, it } from 'vitest';
import {
  CardinalityError,
  ConfigError,
  PulsewatchError,
  StorageError,
  ValidationError,
  isConfigError,
  isPulsewatchError,
  isValidationError,
} from '../../src/index.js';

describe('errors', () => {
  it('carry a stable code, a name and the cause', () => {
    const cause = new Error('boom');
    const e = new StorageError('write failed', { cause });
    expect(e.code).toBe('ERR_PULSEWATCH_STORAGE');
    expect(e.name).toBe('StorageError');
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(PulsewatchError);
    expect(new ConfigError('x').code).toBe('ERR_PULSEWATCH_CONFIG');
    expect(new CardinalityError('m', 10).message).toContain('10 series');
  });

  it('are recognised by guards even from another copy of the package (no instanceof)', () => {
    const foreign = Object.assign(new Error('x'), { isPulsewatchError: true, code: 'ERR_PULSEWATCH_VALIDATION' });
    expect(isPulsewatchError(foreign)).toBe(true);
    expect(isValidationError(foreign)).toBe(true);
    expect(isConfigError(foreign)).toBe(false);
    expect(isPulsewatchError(new Error('x'))).toBe(false);
    expect(isPulsewatchError(null)).toBe(false);
  });

  it('keep the failing fields of a validation error', () => {
    const e = new ValidationError('bad', [{ path: 'value', message: 'must be >= 0' }]);
    expect(e.issues).toEqual([{ path: 'value', message: 'must be >= 0' }]);
  });
});
