import { describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { dateIn } from '../../platform/time.ts';
import {
  assignSlots,
  baseDepartmentCode,
  departmentCodes,
  departmentName,
  doctorsNeeded,
  nextWeekday,
  pinnedWeeks,
  plannedSlotStarts,
  replayWeeks,
  shiftDay,
  slotStart,
} from './noshow.schedule.ts';

/** Every Neighbourhood of KaggleV2-May-2016.csv (81), as written there. */
const NEIGHBOURHOODS = [
  'AEROPORTO', 'ANDORINHAS', 'ANTÔNIO HONÓRIO', 'ARIOVALDO FAVALESSA', 'BARRO VERMELHO', 'BELA VISTA',
  'BENTO FERREIRA', 'BOA VISTA', 'BONFIM', 'CARATOÍRA', 'CENTRO', 'COMDUSA', 'CONQUISTA', 'CONSOLAÇÃO',
  'CRUZAMENTO', 'DA PENHA', 'DE LOURDES', 'DO CABRAL', 'DO MOSCOSO', 'DO QUADRO', 'ENSEADA DO SUÁ', 'ESTRELINHA',
  'FONTE GRANDE', 'FORTE SÃO JOÃO', 'FRADINHOS', 'GOIABEIRAS', 'GRANDE VITÓRIA', 'GURIGICA', 'HORTO',
  'ILHA DAS CAIEIRAS', 'ILHA DE SANTA MARIA', 'ILHA DO BOI', 'ILHA DO FRADE', 'ILHA DO PRÍNCIPE',
  'ILHAS OCEÂNICAS DE TRINDADE', 'INHANGUETÁ', 'ITARARÉ', 'JABOUR', 'JARDIM CAMBURI', 'JARDIM DA PENHA',
  'JESUS DE NAZARETH', 'JOANA D´ARC', 'JUCUTUQUARA', 'MARIA ORTIZ', 'MARUÍPE', 'MATA DA PRAIA', 'MONTE BELO',
  'MORADA DE CAMBURI', 'MÁRIO CYPRESTE', 'NAZARETH', 'NOVA PALESTINA', 'PARQUE INDUSTRIAL', 'PARQUE MOSCOSO',
  'PIEDADE', 'PONTAL DE CAMBURI', 'PRAIA DO CANTO', 'PRAIA DO SUÁ', 'REDENÇÃO', 'REPÚBLICA', 'RESISTÊNCIA', 'ROMÃO',
  'SANTA CECÍLIA', 'SANTA CLARA', 'SANTA HELENA', 'SANTA LUÍZA', 'SANTA LÚCIA', 'SANTA MARTHA', 'SANTA TEREZA',
  'SANTO ANDRÉ', 'SANTO ANTÔNIO', 'SANTOS DUMONT', 'SANTOS REIS', 'SEGURANÇA DO LAR', 'SOLON BORGES',
  'SÃO BENEDITO', 'SÃO CRISTÓVÃO', 'SÃO JOSÉ', 'SÃO PEDRO', 'TABUAZEIRO', 'UNIVERSITÁRIO', 'VILA RUBIM',
]; // prettier-ignore

const weekday = (day: string) => DateTime.fromISO(day, { zone: 'UTC' }).weekday;

describe('department codes', () => {
  it('gives every one of the 81 health units its own code of 2–10 upper-case letters or digits', () => {
    const codes = departmentCodes(NEIGHBOURHOODS);
    expect(codes.size).toBe(81);
    expect(new Set(codes.values()).size).toBe(81);
    for (const code of codes.values()) expect(code).toMatch(/^[A-Z0-9]{2,10}$/);
    // No unit needed a numbered fallback: every code is its name's own abbreviation.
    for (const [neighbourhood, code] of codes) expect(code).toBe(baseDepartmentCode(neighbourhood));
  });

  it('derives codes from the name alone, whatever the order the names come in', () => {
    const reversed = departmentCodes([...NEIGHBOURHOODS].reverse());
    expect([...reversed].sort()).toEqual([...departmentCodes(NEIGHBOURHOODS)].sort());
    expect(baseDepartmentCode('JARDIM DA PENHA')).toBe('JARPEN');
    expect(baseDepartmentCode('CENTRO')).toBe('CENTRO');
    expect(baseDepartmentCode('DA PENHA')).toBe('PENHA');
    expect(baseDepartmentCode('FORTE SÃO JOÃO')).toBe('FORSAOJOA');
    expect(baseDepartmentCode('JOANA D´ARC')).toBe('JOAARC');
  });

  it('numbers the later of two names that abbreviate alike, and avoids codes already taken', () => {
    // "SANTA MARTA" and "SANTA MARTHA" both abbreviate to SANMAR; sorted, MARTA comes first.
    expect([...departmentCodes(['SANTA MARTHA', 'SANTA MARTA'])]).toEqual([
      ['SANTA MARTA', 'SANMAR'],
      ['SANTA MARTHA', 'SANMAR2'],
    ]);
    expect(departmentCodes(['SANTA MARTHA'], ['SANMAR', 'SANMAR2']).get('SANTA MARTHA')).toBe('SANMAR3');
    // A 9-letter code keeps within 10 characters once numbered.
    expect(departmentCodes(['ILHA DE SANTA MARIA'], ['ILHSANMAR', 'ILHSANMAR2', 'ILHSANMA10'])).toEqual(
      new Map([['ILHA DE SANTA MARIA', 'ILHSANMAR3']]),
    );
    expect(departmentCodes(['X'])).toEqual(new Map([['X', 'X0']]));
  });

  it('names the department after the health unit', () => {
    expect(departmentName('JARDIM DA PENHA')).toBe('Unidade Jardim da Penha');
  });
});

describe('doctorsNeeded', () => {
  it('gives each unit enough doctors for its busiest day at 8 a day', () => {
    const appointments = [
      ...Array.from({ length: 17 }, () => ({ neighbourhood: 'CENTRO', day: '2016-05-02' })),
      ...Array.from({ length: 3 }, () => ({ neighbourhood: 'CENTRO', day: '2016-05-03' })),
      ...Array.from({ length: 8 }, () => ({ neighbourhood: 'HORTO', day: '2016-05-02' })),
      { neighbourhood: 'ROMÃO', day: '2016-05-02' },
    ];
    expect(doctorsNeeded(appointments)).toEqual(
      new Map([
        ['CENTRO', 3],
        ['HORTO', 1],
        ['ROMÃO', 1],
      ]),
    );
  });
});

describe('assignSlots', () => {
  const day = (count: number, neighbourhood = 'CENTRO', date = '2016-05-02', firstId = 5600000) =>
    Array.from({ length: count }, (_, index) => ({
      appointmentId: String(firstId + index),
      neighbourhood,
      day: date,
    }));

  it('deals a day round-robin over the unit’s doctors in AppointmentID order', () => {
    // Given out of order: the deal sorts by AppointmentID as a number.
    const appointments = day(5).reverse();
    const slots = assignSlots(appointments, new Map([['CENTRO', 2]]));
    expect(['5600000', '5600001', '5600002', '5600003', '5600004'].map((id) => slots.get(id))).toEqual([
      { doctor: 1, slot: 0 },
      { doctor: 2, slot: 0 },
      { doctor: 1, slot: 1 },
      { doctor: 2, slot: 1 },
      { doctor: 1, slot: 2 },
    ]);
  });

  it('gives no doctor more than 8 a day, in consecutive slots from 09:00', () => {
    const appointments = [
      ...day(17),
      ...day(8, 'CENTRO', '2016-05-03', 5700000),
      ...day(3, 'HORTO', '2016-05-02', 5800000),
    ];
    const counts = doctorsNeeded(appointments);
    const slots = assignSlots(appointments, counts);
    const perDoctorDay = new Map<string, number[]>();
    for (const { appointmentId, neighbourhood, day: date } of appointments) {
      const { doctor, slot } = slots.get(appointmentId)!;
      const key = `${neighbourhood}#${doctor} ${date}`;
      perDoctorDay.set(key, [...(perDoctorDay.get(key) ?? []), slot]);
    }
    for (const taken of perDoctorDay.values()) {
      expect(taken.length).toBeLessThanOrEqual(8);
      expect(taken.sort((a, b) => a - b)).toEqual(taken.map((_, index) => index));
    }
    expect(perDoctorDay.get('CENTRO#1 2016-05-02')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(perDoctorDay.get('CENTRO#3 2016-05-02')).toEqual([0, 1, 2, 3, 4]);
    expect(perDoctorDay.get('CENTRO#1 2016-05-03')).toEqual([0, 1, 2]);
  });

  it('refuses a deal that would put more than 8 on one doctor', () => {
    expect(() => assignSlots(day(9), new Map([['CENTRO', 1]]))).toThrow(RangeError);
  });
});

describe('slotStart', () => {
  it('starts at 09:00 and steps 30 minutes on the hospital’s wall clock', () => {
    expect(slotStart('2016-05-02', 0, 'UTC')).toBe('2016-05-02T09:00:00.000Z');
    expect(slotStart('2016-05-02', 7, 'UTC')).toBe('2016-05-02T12:30:00.000Z');
    // Vitória is UTC−3: 09:00 there is 12:00 UTC.
    expect(slotStart('2016-05-02', 1, 'America/Sao_Paulo')).toBe('2016-05-02T12:30:00.000Z');
  });

  it('plans 8 slots a day, 09:00 to 12:30', () => {
    const starts = plannedSlotStarts('2016-05-02', 'UTC');
    expect(starts).toHaveLength(8);
    expect([starts[0], starts.at(-1)]).toEqual(['2016-05-02T09:00:00.000Z', '2016-05-02T12:30:00.000Z']);
  });
});

describe('week shift', () => {
  const firstDay = '2016-04-29'; // a Friday

  it('moves the first day to at least 2 days and at most 8 days after today, on the same weekday', () => {
    for (let offset = 0; offset < 14; offset++) {
      const clock = () => new Date(Date.UTC(2025, 10, 17 + offset, 15, 0));
      const today = dateIn('UTC', clock());
      const weeks = replayWeeks(firstDay, today);
      const replayed = shiftDay(firstDay, weeks);
      const ahead = DateTime.fromISO(replayed).diff(DateTime.fromISO(today), 'days').days;
      expect(ahead).toBeGreaterThanOrEqual(2);
      expect(ahead).toBeLessThan(9);
      expect(weekday(replayed)).toBe(weekday(firstDay));
    }
  });

  it('keeps every day’s weekday, Saturday included', () => {
    const weeks = replayWeeks(firstDay, '2025-11-22');
    for (const day of ['2016-04-29', '2016-05-02', '2016-05-14', '2016-06-08'])
      expect(weekday(shiftDay(day, weeks))).toBe(weekday(day));
    expect(shiftDay('2016-04-29', weeks)).toBe('2025-11-28');
  });

  it('counts today in the hospital’s time zone', () => {
    // 01:00 UTC on Thursday 27 November is still Wednesday evening in Vitória (UTC−3).
    const now = new Date('2025-11-27T01:00:00Z');
    expect(dateIn('America/Sao_Paulo', now)).toBe('2025-11-26');
    expect(shiftDay(firstDay, replayWeeks(firstDay, dateIn('America/Sao_Paulo', now)))).toBe('2025-11-28');
    // In UTC it is Thursday already: Friday the 28th is only one day ahead, so the replay starts a week later.
    expect(shiftDay(firstDay, replayWeeks(firstDay, dateIn('UTC', now)))).toBe('2025-12-05');
  });

  it('reads an earlier run’s shift off its bookings, in the hospital’s time zone', () => {
    expect(pinnedWeeks([], 'UTC')).toBeUndefined();
    const booked = [
      { day: '2016-04-29', startsAt: '2025-11-28T09:00:00.000Z' }, // 500 weeks
      { day: '2016-05-02', startsAt: '2025-12-01T12:30:00.000Z' }, // 500 weeks
      { day: '2016-05-02', startsAt: '2025-12-11T10:00:00.000Z' }, // rescheduled since: 501.4 weeks
    ];
    expect(pinnedWeeks(booked, 'UTC')).toBe(500);
    // 01:00 UTC on the 29th is still the 28th in Vitória.
    expect(pinnedWeeks([{ day: '2016-04-29', startsAt: '2025-11-29T01:00:00.000Z' }], 'America/Sao_Paulo')).toBe(500);
  });

  it('never moves a schedule backwards', () => {
    expect(replayWeeks('2030-01-04', '2025-11-22')).toBe(0);
  });
});

describe('nextWeekday', () => {
  it('skips the weekend', () => {
    expect(nextWeekday('2025-11-20', 2)).toBe('2025-11-24'); // Thursday + 2 = Saturday → Monday
    expect(nextWeekday('2025-11-24', 3)).toBe('2025-11-27');
  });
});
