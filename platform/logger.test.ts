import { describe, expect, it } from '@jest/globals';
import { createLogger, maskText, type Logger } from './logger.ts';

/** A logger at `trace` whose JSON lines land in `lines`. */
function capturing(): { log: Logger; lines: string[]; last: () => Record<string, unknown> } {
  const lines: string[] = [];
  const log = createLogger({ name: 'hms-test', level: 'trace', destination: { write: (line) => lines.push(line) } });
  return { log, lines, last: () => JSON.parse(lines.at(-1)!) as Record<string, unknown> };
}

const EMAIL = 'canary.q7x2@example.org';
const PHONE = '+15558675309';
const JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImFiYyJ9.eyJzdWIiOiJ1c2VyLTEiLCJyb2xlcyI6WyJQQVRJRU5UIl19.MEUCIQDx-3_kq9Yz0aZ';

/** Each kind of value that must never reach a log line, with its placeholder. */
const KINDS = [
  { kind: 'an email address', value: EMAIL, placeholder: '[email]' },
  { kind: 'an E.164 phone number', value: PHONE, placeholder: '[phone]' },
  { kind: 'a JWT', value: JWT, placeholder: '[token]' },
  { kind: 'a bearer token', value: 'Bearer opaque-token-123456', placeholder: 'Bearer [token]' },
];

describe('maskText', () => {
  it.each([
    ['+15558675309', '[phone]'],
    ['+1 555 867 5309', '[phone]'],
    ['+1 (555) 867-5309', '[phone]'],
    ['+44 20 7946 0958', '[phone]'],
    ['(555) 867-5309', '[phone]'],
    ['555-867-5309', '[phone]'],
    ['555.867.5309', '[phone]'],
    ['020 7946 0958', '[phone]'],
    ['867-5309', '[phone]'],
    ['+15558675309:', '[phone]:'],
  ])('masks the phone number %s', (phone, masked) => {
    expect(maskText(`call ${phone} today`)).toBe(`call ${masked} today`);
  });

  it('masks email addresses, also with plus tags and subdomains', () => {
    expect(maskText(`to ${EMAIL}, cc first+tag@mail.hospital.example.`)).toBe('to [email], cc [email].');
  });

  it('masks JWTs and bearer tokens', () => {
    expect(maskText(`token ${JWT} sent`)).toBe('token [token] sent');
    expect(maskText('authorization: Bearer abc.def-ghi_jkl')).toBe('authorization: Bearer [token]');
  });

  it("masks the values of PostgreSQL's key details and the literals of SQL statements", () => {
    expect(maskText(`Key (email)=(${EMAIL}) already exists.`)).toBe('Key (email)=([redacted]) already exists.');
    expect(maskText(`insert into "patient" ("given_name", "mrn") values ('Zyxwvutsrq', 'MRN-1') - duplicate key`)).toBe(
      `insert into "patient" ("given_name", "mrn") values ('[redacted]', '[redacted]') - duplicate key`,
    );
  });

  it('redacts sensitive keys with their values in text: stringified JSON, GraphQL literals, query strings', () => {
    expect(
      maskText(`input {"givenName":"Zyxwvutsrq","address":{"line":["1 Canary Row"],"city":"X"},"sex":"FEMALE"}`),
    ).toBe('input {"givenName":"[REDACTED]","address":"[REDACTED]","sex":"FEMALE"}');
    expect(maskText('updatePatient(input: { family_name: "Canary", mrn: "MRN-1" })')).toBe(
      'updatePatient(input: { family_name: "[REDACTED]", mrn: "MRN-1" })',
    );
    expect(maskText('GET /patients?givenName=Zyxwvutsrq&page=2')).toBe('GET /patients?givenName=[REDACTED]&page=2');
    expect(maskText('sent to: the front desk, photo: "x.png"')).toBe('sent to: the front desk, photo: "x.png"');
  });

  it.each([
    ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
    ['a UUID of digits only', '12345678-1234-1234-1234-123456789012'],
    ['an ISO timestamp', '2026-03-14T09:30:00.000Z'],
    ['a date and a time', '2026-03-14 09:30'],
    ['a date and a time with seconds', '2026-03-14 09:30:00.123'],
    ['a European date', '14.03.2026'],
    ['an ISO duration', 'PT30M'],
    ['a host and port', '127.0.0.1:5432'],
    ['an IPv4 address', 'host 10.0.12.7'],
    ['a duration in milliseconds', 'took 1234567 ms'],
    ['an epoch in milliseconds', '1773480600000'],
    ['a decimal number', '1234.5678'],
    ['a list of counts', 'attempts 1 2 3 4 5 6 7'],
    ['an amount and a port', 'paid 8810 of 12000 on port 4000'],
    ['a stack frame', 'at handle (/work/main/platform/events/consumer.ts:102:27)'],
    ['a version', 'kafkajs 2.2.4'],
    ['an MRN', 'MRN-2026-000123'],
    ['a hex digest', 'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
  ])('leaves %s alone', (_kind, text) => {
    expect(maskText(text)).toBe(text);
  });
});

describe('the logger', () => {
  it.each(KINDS)('masks $kind in the message and in interpolated arguments', ({ value, placeholder }) => {
    const { log, last } = capturing();
    log.info(`sending to ${value}`);
    expect(last().msg).toBe(`sending to ${placeholder}`);
    log.info({ eventId: 'e-1' }, 'sending to %s', value);
    expect(last().msg).toBe(`sending to ${placeholder}`);
  });

  it.each(KINDS)('masks $kind in nested objects and arrays', ({ value, placeholder }) => {
    const { log, last } = capturing();
    log.warn({ outer: { inner: { deeper: [{ note: `reply to ${value}` }, value] } } }, 'nested');
    expect(last().outer).toEqual({ inner: { deeper: [{ note: `reply to ${placeholder}` }, placeholder] } });
  });

  it.each(KINDS)("masks $kind in an error's message, stack and own properties", ({ value, placeholder }) => {
    const { log, lines } = capturing();
    const error = Object.assign(new Error(`no account for ${value}`), { detail: `given ${value}` });
    log.error(error);
    log.error({ err: error });
    log.error({ err: error }, 'failed');
    log.warn({ wrapped: { error, causes: [new Error(`caused by ${value}`, { cause: error })] } }, 'failed');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain(value);
    const first = JSON.parse(lines[0]!) as { msg: string; err: { message: string; stack: string; detail: string } };
    expect(first.msg).toBe(`no account for ${placeholder}`);
    expect(first.err.message).toBe(`no account for ${placeholder}`);
    expect(first.err.stack).toContain(`Error: no account for ${placeholder}`);
    expect(first.err.detail).toBe(`given ${placeholder}`);
  });

  it('redacts personal data and secrets by key at any depth, whatever the case', () => {
    const { log, last } = capturing();
    log.info(
      {
        input: {
          givenName: 'Zyxwvutsrq',
          family_name: 'Canary',
          birthDate: '1970-01-02',
          dateOfBirth: '1970-01-02',
          dob: '1970-01-02',
          address: { line: ['1 Canary Row'], city: 'Springfield', postalCode: '12345' },
          telecom: [{ system: 'phone', value: '5558675309' }],
          contact: { email: 'x', phone: 'y' },
          password: 'hunter2hunter2',
          deep: { deeper: { deepest: { displayName: 'Dr Zyx', fullName: 'Zyx Canary', name: 'Zyx' } } },
        },
        headers: { Authorization: 'opaque', 'X-HMS-Internal-Token': 'secret', cookie: 'sid=1' },
      },
      'input',
    );
    expect(last().input).toEqual({
      givenName: '[REDACTED]',
      family_name: '[REDACTED]',
      birthDate: '[REDACTED]',
      dateOfBirth: '[REDACTED]',
      dob: '[REDACTED]',
      address: '[REDACTED]',
      telecom: '[REDACTED]',
      contact: '[REDACTED]',
      password: '[REDACTED]',
      deep: { deeper: { deepest: { displayName: '[REDACTED]', fullName: '[REDACTED]', name: '[REDACTED]' } } },
    });
    expect(last().headers).toEqual({
      Authorization: '[REDACTED]',
      'X-HMS-Internal-Token': '[REDACTED]',
      cookie: '[REDACTED]',
    });
  });

  it("redacts a notification's recipient and content, but not another object's message", () => {
    const { log, last } = capturing();
    log.info(
      {
        notification: {
          id: 'n-1',
          channel: 'EMAIL',
          to: 'someone',
          subject: 'Your appointment',
          message: 'Dear Zyxwvutsrq',
          metadata: { patientName: 'Zyx' },
        },
        sms: { to: 'someone', body: 'Dear Zyx' },
        problem: { message: 'slot taken', code: 'SLOT_UNAVAILABLE' },
      },
      'notification',
    );
    expect(last().notification).toEqual({
      id: 'n-1',
      channel: 'EMAIL',
      to: '[REDACTED]',
      subject: '[REDACTED]',
      message: '[REDACTED]',
      metadata: '[REDACTED]',
    });
    expect(last().sms).toEqual({ to: '[REDACTED]', body: '[REDACTED]' });
    expect(last().problem).toEqual({ message: 'slot taken', code: 'SLOT_UNAVAILABLE' });
  });

  it('masks child bindings but keeps the logger name and an error class name', () => {
    const { log, last } = capturing();
    const error = Object.assign(new Error('boom'), { name: 'DomainError' });
    log.child({ correlationId: 'c-1', operator: EMAIL }).error({ err: error }, 'failed');
    const line = last();
    expect(line).toMatchObject({ name: 'hms-test', correlationId: 'c-1', operator: '[email]' });
    expect((line.err as { name: string }).name).toBe('DomainError');
  });

  it('keeps ids, timestamps, numbers and booleans as they are', () => {
    const { log, last } = capturing();
    const fields = {
      patientId: '123e4567-e89b-12d3-a456-426614174000',
      correlationId: 'req-20260314-0001',
      startsAt: '2026-03-14T09:30:00.000Z',
      at: new Date('2026-03-14T09:30:00.000Z'),
      durationMs: 1234567,
      count: 12,
      amount: 8810,
      url: 'http://127.0.0.1:4003/graphql',
      ok: true,
      nothing: null,
    };
    log.info(fields, 'kept');
    expect(last()).toMatchObject({ ...fields, at: '2026-03-14T09:30:00.000Z' });
  });

  it('stays bounded on deep, wide and circular objects', () => {
    const { log, last } = capturing();
    const circular: Record<string, unknown> = { id: 'a' };
    circular.self = circular;
    let deep: Record<string, unknown> = { leaf: EMAIL };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    log.info({ circular, deep, wide: Array.from({ length: 5_000 }, (_, i) => `${i}:${EMAIL}`) }, 'big');
    const line = JSON.stringify(last());
    expect(line).toContain('[Circular]');
    expect(line).toContain('[Truncated]');
    expect(line).not.toContain(EMAIL);
  });
});
