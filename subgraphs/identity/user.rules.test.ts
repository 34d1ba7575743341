import { describe, expect, it } from '@jest/globals';
import { isLockedOut, lockoutWindowStart, staffRolesProblem } from './user.rules.ts';

describe('lockout', () => {
  it('allows the 10th attempt after 9 failures and refuses after 10', () => {
    expect(isLockedOut(9)).toBe(false);
    expect(isLockedOut(10)).toBe(true);
  });

  it('counts failures of the last 15 minutes', () => {
    expect(lockoutWindowStart(new Date('2026-11-22T10:15:00Z')).toISOString()).toBe('2026-11-22T10:00:00.000Z');
  });
});

describe('staff roles', () => {
  it('need at least one staff role', () => {
    expect(staffRolesProblem([], null)?.field).toBe('roles');
    expect(staffRolesProblem(['PATIENT'], null)?.message).toMatch(/not a staff role/);
    expect(staffRolesProblem(['RECEPTION', 'BILLING'], null)).toBeNull();
  });

  it('tie the DOCTOR role to a doctor profile, both ways', () => {
    expect(staffRolesProblem(['DOCTOR'], null)?.field).toBe('doctorId');
    expect(staffRolesProblem(['RECEPTION'], '0192f000-0000-7000-8000-000000000001')?.field).toBe('doctorId');
    expect(staffRolesProblem(['DOCTOR'], '0192f000-0000-7000-8000-000000000001')).toBeNull();
  });
});
