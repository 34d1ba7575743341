import { describe, expect, it } from '@jest/globals';
import type { Principal } from '../../platform/auth/principal.ts';
import { callerDoctorId, identifierKey, isInFuture, isOwnRecord, prescribeRefusal } from './prescription.rules.ts';

const DOCTOR_ID = '0190c5a0-0000-7000-8000-000000000001';
const PATIENT_ID = '0190c5a0-0000-7000-8000-000000000002';
const principal = (overrides: Partial<Principal>): Principal => ({
  userId: '0190c5a0-0000-7000-8000-0000000000ff',
  roles: [],
  ...overrides,
});

describe('who prescribes', () => {
  it.each(['CHECKED_IN', 'COMPLETED'])('the doctor of a %s appointment may prescribe', (status) => {
    expect(prescribeRefusal({ doctorId: DOCTOR_ID, status }, DOCTOR_ID)).toBeNull();
  });

  it.each(['PENDING', 'CONFIRMED', 'CANCELLED', 'NO_SHOW', 'REJECTED'])(
    'nobody prescribes in a %s appointment: the patient has not been seen',
    (status) => {
      expect(prescribeRefusal({ doctorId: DOCTOR_ID, status }, DOCTOR_ID)).toBe('NOT_SEEN');
    },
  );

  it('another doctor may not prescribe in the appointment, whatever its status', () => {
    expect(prescribeRefusal({ doctorId: DOCTOR_ID, status: 'CHECKED_IN' }, PATIENT_ID)).toBe('NOT_THE_DOCTOR');
    expect(prescribeRefusal({ doctorId: DOCTOR_ID, status: 'PENDING' }, PATIENT_ID)).toBe('NOT_THE_DOCTOR');
  });
});

describe('callers', () => {
  it('act as a doctor only with the DOCTOR role and a doctor profile', () => {
    expect(callerDoctorId(principal({ roles: ['DOCTOR'], doctorId: DOCTOR_ID }))).toBe(DOCTOR_ID);
    expect(callerDoctorId(principal({ roles: ['DOCTOR'] }))).toBeNull();
    expect(callerDoctorId(principal({ roles: ['ADMIN'], doctorId: DOCTOR_ID }))).toBeNull();
    expect(callerDoctorId(null)).toBeNull();
  });

  it('read their own record as the patient it belongs to, and no other', () => {
    expect(isOwnRecord(principal({ roles: ['PATIENT'], patientId: PATIENT_ID }), PATIENT_ID)).toBe(true);
    expect(isOwnRecord(principal({ roles: ['PATIENT'], patientId: PATIENT_ID }), DOCTOR_ID)).toBe(false);
    expect(isOwnRecord(principal({ roles: ['ADMIN'] }), PATIENT_ID)).toBe(false);
    expect(isOwnRecord(null, PATIENT_ID)).toBe(false);
  });
});

describe('time', () => {
  const now = new Date('2026-03-02T15:00:00Z');

  it('allows now and the past, not a millisecond later', () => {
    expect(isInFuture(now, now)).toBe(false);
    expect(isInFuture(new Date('2020-01-01T00:00:00Z'), now)).toBe(false);
    expect(isInFuture(new Date(now.getTime() + 1), now)).toBe(true);
  });
});

describe('identifiers', () => {
  it('are told apart by system and value, whatever characters they hold', () => {
    expect(identifierKey({ system: 'a', value: 'b|c' })).not.toBe(identifierKey({ system: 'a|b', value: 'c' }));
    expect(identifierKey({ system: 's', value: 'v' })).toBe(identifierKey({ system: 's', value: 'v' }));
  });
});
