import { describe, expect, it } from '@jest/globals';
import { REDACTED, SMS_MAX_LENGTH } from './notification.rules.ts';
import {
  DEFAULT_TEMPLATES,
  isTemplateKey,
  longestExamples,
  redactSecrets,
  renderTemplate,
  templateProblem,
  variablesOf,
} from './template.rules.ts';

const booked = { eventType: 'APPOINTMENT_BOOKED', channel: 'SMS', audience: 'PATIENT' } as const;
const bookedEmail = { ...booked, channel: 'EMAIL' } as const;

describe('template validation', () => {
  it('accepts every default template', () => {
    for (const template of DEFAULT_TEMPLATES) {
      expect([template.eventType, template.channel, template.audience, templateProblem(template, template)]).toEqual([
        template.eventType,
        template.channel,
        template.audience,
        null,
      ]);
    }
  });

  it('refuses a variable the event type does not provide, naming it and the ones it has', () => {
    expect(templateProblem(booked, { subject: null, body: 'Hi {{patientName}}, bill {{billNumber}}' })).toEqual({
      field: 'input.body',
      message:
        'APPOINTMENT_BOOKED provides no variable "billNumber" (it provides patientName, doctorName, appointmentTime)',
    });
    expect(templateProblem(bookedEmail, { subject: 'For {{patient.name}}', body: 'Hi' })).toMatchObject({
      field: 'input.subject',
      message: expect.stringContaining('no variable "patient.name"'),
    });
  });

  it('refuses a syntax error', () => {
    expect(templateProblem(booked, { subject: null, body: 'Hi {{patientName' })).toEqual({
      field: 'input.body',
      message: expect.stringMatching(/^template syntax error: Unclosed tag/),
    });
  });

  it('refuses sections, partials and delimiter changes, and allows comments and triple braces', () => {
    for (const body of ['{{#patientName}}x{{/patientName}}', '{{^patientName}}x{{/patientName}}', '{{> footer}}']) {
      expect(templateProblem(booked, { subject: null, body })?.message).toMatch(/are not allowed/);
    }
    expect(templateProblem(booked, { subject: null, body: '{{=<% %>=}}<% patientName %>' })?.message).toMatch(
      /delimiter changes/,
    );
    expect(templateProblem(booked, { subject: null, body: '{{! note }}{{{patientName}}} {{&doctorName}}' })).toBeNull();
  });

  it('refuses an SMS that can exceed 480 characters with the longest example values', () => {
    const longest = longestExamples('APPOINTMENT_BOOKED');
    const fixed = 'x'.repeat(SMS_MAX_LENGTH - longest.patientName!.length);
    expect(templateProblem(booked, { subject: null, body: `${fixed}{{patientName}}` })).toBeNull();
    expect(templateProblem(booked, { subject: null, body: `${fixed}!{{patientName}}` })).toEqual({
      field: 'input.body',
      message: `an SMS may have at most 480 characters, and this one reaches 481 with the longest example values`,
    });
    // The same text is fine in the feed, which has no such limit.
    expect(
      templateProblem({ ...booked, channel: 'IN_APP' }, { subject: null, body: `${fixed}!{{patientName}}` }),
    ).toBeNull();
  });

  it('refuses an EMAIL template without a subject, and a subject on another channel', () => {
    expect(templateProblem(bookedEmail, { subject: null, body: 'Hi' })).toEqual({
      field: 'input.subject',
      message: 'an EMAIL template needs a subject',
    });
    expect(templateProblem(bookedEmail, { subject: '   ', body: 'Hi' })?.field).toBe('input.subject');
    expect(templateProblem(booked, { subject: 'Hi', body: 'Hi' })).toEqual({
      field: 'input.subject',
      message: 'only EMAIL templates have a subject, not SMS',
    });
  });

  it('refuses a channel or audience the event type has no template for', () => {
    const inAppReset = { eventType: 'PASSWORD_RESET', channel: 'IN_APP', audience: 'USER' } as const;
    expect(isTemplateKey(inAppReset)).toBe(false);
    expect(templateProblem(inAppReset, { subject: null, body: 'x' })?.field).toBe('input');
    expect(isTemplateKey({ eventType: 'BILL_ISSUED', channel: 'IN_APP', audience: 'PRACTITIONER' })).toBe(false);
  });
});

describe('rendering', () => {
  const variables = { patientName: 'Ada <Lovelace> & Co', doctorName: 'Grace Hopper', appointmentTime: 'Monday' };

  it('renders plain text: nothing is HTML-escaped', () => {
    expect(
      renderTemplate(
        'IN_APP',
        { subject: null, body: '{{patientName}} with {{doctorName}} on {{appointmentTime}}' },
        variables,
      ),
    ).toEqual({ subject: null, message: 'Ada <Lovelace> & Co with Grace Hopper on Monday' });
  });

  it('renders an email subject, and no subject on other channels', () => {
    expect(renderTemplate('EMAIL', { subject: 'For {{patientName}}', body: 'Hi' }, variables)).toEqual({
      subject: 'For Ada <Lovelace> & Co',
      message: 'Hi',
    });
  });

  it('cuts an SMS that a value longer than any example pushed past 480 characters', () => {
    const rendered = renderTemplate(
      'SMS',
      { subject: null, body: 'HMS: {{patientName}}' },
      {
        ...variables,
        patientName: 'x'.repeat(1_000),
      },
    );
    expect(rendered.message).toHaveLength(SMS_MAX_LENGTH);
  });

  it('declares the variables of each event type, with the reset token as its only secret', () => {
    expect(variablesOf('APPOINTMENT_RESCHEDULED')).toEqual([
      'patientName',
      'doctorName',
      'appointmentTime',
      'previousTime',
    ]);
    expect(variablesOf('PASSWORD_RESET')).toEqual(['email', 'resetToken', 'expiresAt']);
  });

  it('redacts the reset token from message, subject and metadata', () => {
    expect(
      redactSecrets('PASSWORD_RESET', {
        subject: 'Reset',
        message: 'Your code: tok123',
        metadata: { resetToken: 'tok123', userId: 'u1' },
      }),
    ).toEqual({
      subject: 'Reset',
      message: `Your code: ${REDACTED}`,
      metadata: { resetToken: REDACTED, userId: 'u1' },
    });
  });
});
