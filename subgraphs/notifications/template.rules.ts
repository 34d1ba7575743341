/**
 * Notification templates (SPEC §7: "templates per event type and channel, editable by admins"): which variables
 * each event type provides (with example values), who hears of each event type, the default texts, and the checks
 * an admin's edit must pass. Templates are Mustache (`{{variable}}`), rendered as plain text: no HTML escaping, no
 * sections, partials or delimiter changes — only the event type's own variables (and `{{! comments }}`).
 */
import Mustache, { type TemplateSpans } from 'mustache';
import {
  fitSms,
  redact,
  redactJson,
  REDACTED,
  SMS_MAX_LENGTH,
  type NotificationAudience,
  type NotificationChannel,
  type NotificationEventType,
} from './notification.rules.ts';

/** A variable an event type provides to its templates. */
export interface VariableSpec {
  description: string;
  /** Realistic values; the longest one is what an SMS template's length is checked with. */
  examples: readonly string[];
  /** A secret (a password reset token): redacted from the stored notification once it is final. */
  secret?: boolean;
}

const PERSON = ['Ada Lovelace', 'Maria Guadalupe Fernández-Castillo de la Vega'];
const TIME = ['Monday 2 March 2026, 09:30 UTC', 'Wednesday 30 September 2026, 14:30 GMT+10:30'];

const patientName: VariableSpec = { description: "The patient's given and family name.", examples: PERSON };
const doctorName: VariableSpec = {
  description: "The doctor's given and family name.",
  examples: ['Grace Hopper', 'Bartholomew Alexander Montgomery-Worthington'],
};
const appointmentTime: VariableSpec = {
  description: "When the appointment starts, in the hospital's time zone.",
  examples: TIME,
};
const amount: VariableSpec = {
  description: 'An amount of money with its currency, e.g. `$88.10`.',
  examples: ['$88.10', '$21,474,836.47'],
};

const APPOINTMENT = { patientName, doctorName, appointmentTime };

/** The variables of every event type, by name (SPEC §7 events). */
export const EVENT_VARIABLES: Record<NotificationEventType, Record<string, VariableSpec>> = {
  APPOINTMENT_BOOKED: APPOINTMENT,
  APPOINTMENT_CONFIRMED: APPOINTMENT,
  APPOINTMENT_REJECTED: {
    ...APPOINTMENT,
    reason: {
      description: "The doctor's reason, or `no reason given`.",
      examples: ['no reason given', 'I am away at a conference that week; please book one of my colleagues'],
    },
  },
  APPOINTMENT_RESCHEDULED: {
    ...APPOINTMENT,
    previousTime: { description: 'When the appointment was to start before.', examples: TIME },
  },
  APPOINTMENT_CANCELLED: {
    ...APPOINTMENT,
    cancellationFee: {
      description: 'The late-cancellation fee owed, or `none` (SPEC §3).',
      examples: ['none', '$1,234,567.89'],
    },
  },
  APPOINTMENT_REMINDER: APPOINTMENT,
  BILL_ISSUED: {
    patientName,
    billNumber: { description: 'The bill number, e.g. `B-2026-000042`.', examples: ['B-2026-000042'] },
    amount: { ...amount, description: 'The total of the bill, tax included.' },
  },
  PAYMENT_SUCCEEDED: {
    patientName,
    amount,
    method: { description: 'How it was paid: cash, card, insurance or online.', examples: ['card', 'insurance'] },
    reference: { description: 'The receipt reference.', examples: ['PAY-ABCDEFGHIJKLMNOP'] },
  },
  PAYMENT_FAILED: {
    patientName,
    amount,
    method: { description: 'How it was to be paid: cash, card, insurance or online.', examples: ['card', 'online'] },
    reference: { description: 'The attempt reference.', examples: ['PAY-ABCDEFGHIJKLMNOP'] },
    failureReason: {
      description: "The payment processor's reason.",
      examples: ['The card was declined.', 'The card issuer declined the payment: insufficient funds on the account.'],
    },
  },
  PRESCRIPTION_ISSUED: {
    patientName,
    doctorName,
    issuedAt: { description: "When it was prescribed, in the hospital's time zone.", examples: TIME },
  },
  PASSWORD_RESET: {
    email: {
      description: "The account's email address.",
      examples: ['a@example.org', 'maria.fernandez-castillo@patients.hospital.example.org'],
    },
    resetToken: {
      description: 'The single-use reset token (valid 30 minutes).',
      examples: ['x'.repeat(43)],
      secret: true,
    },
    expiresAt: { description: "When the token expires, in the hospital's time zone.", examples: TIME },
  },
};

/** The variable names of an event type, in declaration order (`NotificationTemplate.variables`). */
export const variablesOf = (eventType: NotificationEventType): string[] => Object.keys(EVENT_VARIABLES[eventType]);

/** Names of the secret variables of an event type (redacted once a notification is final). */
export const secretVariablesOf = (eventType: NotificationEventType): string[] =>
  Object.entries(EVENT_VARIABLES[eventType])
    .filter(([, spec]) => spec.secret)
    .map(([name]) => name);

/** Who hears of each event type. */
export const AUDIENCES_OF: Record<NotificationEventType, readonly NotificationAudience[]> = {
  APPOINTMENT_BOOKED: ['PATIENT', 'PRACTITIONER'],
  APPOINTMENT_CONFIRMED: ['PATIENT'],
  APPOINTMENT_REJECTED: ['PATIENT'],
  APPOINTMENT_RESCHEDULED: ['PATIENT', 'PRACTITIONER'],
  APPOINTMENT_CANCELLED: ['PATIENT', 'PRACTITIONER'],
  APPOINTMENT_REMINDER: ['PATIENT'],
  BILL_ISSUED: ['PATIENT'],
  PAYMENT_SUCCEEDED: ['PATIENT'],
  PAYMENT_FAILED: ['PATIENT'],
  PRESCRIPTION_ISSUED: ['PATIENT'],
  PASSWORD_RESET: ['USER'],
};

/** The channels an audience can have templates for: an account holder is reached by email only. */
export const channelsOfAudience = (audience: NotificationAudience): readonly NotificationChannel[] =>
  audience === 'USER' ? ['EMAIL'] : ['IN_APP', 'EMAIL', 'SMS'];

/** The key of a template. */
export interface TemplateKey {
  eventType: NotificationEventType;
  channel: NotificationChannel;
  audience: NotificationAudience;
}

/** A template's editable text. `subject` is for `EMAIL` only. */
export interface TemplateText {
  subject: string | null;
  body: string;
}

/** True when the event type has templates for this channel and audience. */
export function isTemplateKey(key: TemplateKey): boolean {
  return AUDIENCES_OF[key.eventType].includes(key.audience) && channelsOfAudience(key.audience).includes(key.channel);
}

/** The default wording of each event type and audience: a subject for email and one sentence for every channel. */
const DEFAULT_WORDING: Record<NotificationEventType, Partial<Record<NotificationAudience, [string, string]>>> = {
  APPOINTMENT_BOOKED: {
    PATIENT: [
      'Your appointment with {{doctorName}} is booked',
      "Your appointment with {{doctorName}} on {{appointmentTime}} is booked and awaits the doctor's confirmation.",
    ],
    PRACTITIONER: [
      'New appointment: {{patientName}}',
      '{{patientName}} booked an appointment with you on {{appointmentTime}}. Please accept or decline it.',
    ],
  },
  APPOINTMENT_CONFIRMED: {
    PATIENT: ['Your appointment is confirmed', '{{doctorName}} confirmed your appointment on {{appointmentTime}}.'],
  },
  APPOINTMENT_REJECTED: {
    PATIENT: [
      'Your appointment was declined',
      '{{doctorName}} cannot see you on {{appointmentTime}} ({{reason}}). Please book another time.',
    ],
  },
  APPOINTMENT_RESCHEDULED: {
    PATIENT: [
      'Your appointment was moved',
      'Your appointment with {{doctorName}} moved from {{previousTime}} to {{appointmentTime}}.',
    ],
    PRACTITIONER: [
      'Appointment moved: {{patientName}}',
      'The appointment of {{patientName}} moved from {{previousTime}} to {{appointmentTime}}.',
    ],
  },
  APPOINTMENT_CANCELLED: {
    PATIENT: [
      'Your appointment is cancelled',
      'Your appointment with {{doctorName}} on {{appointmentTime}} is cancelled. Cancellation fee: {{cancellationFee}}.',
    ],
    PRACTITIONER: [
      'Appointment cancelled: {{patientName}}',
      'The appointment of {{patientName}} on {{appointmentTime}} is cancelled.',
    ],
  },
  APPOINTMENT_REMINDER: {
    PATIENT: [
      'Reminder: your appointment tomorrow',
      'Reminder: your appointment with {{doctorName}} is on {{appointmentTime}}.',
    ],
  },
  BILL_ISSUED: {
    PATIENT: ['Your bill {{billNumber}}', 'Bill {{billNumber}} of {{amount}} has been issued to you.'],
  },
  PAYMENT_SUCCEEDED: {
    PATIENT: [
      'Payment received',
      'We received your payment of {{amount}} ({{method}}, reference {{reference}}). Thank you.',
    ],
  },
  PAYMENT_FAILED: {
    PATIENT: [
      'Your payment did not go through',
      'Your payment of {{amount}} ({{method}}, reference {{reference}}) did not go through: {{failureReason}}',
    ],
  },
  PRESCRIPTION_ISSUED: {
    PATIENT: ['New prescription', '{{doctorName}} issued you a prescription on {{issuedAt}}. Sign in to read it.'],
  },
  PASSWORD_RESET: {
    USER: [
      'Reset your HMS password',
      'Someone asked to reset the password of the HMS account {{email}}.\n\nYour reset code: {{resetToken}}\n\n' +
        'It works once, until {{expiresAt}}. If you did not ask for it, ignore this email: your password stays as it is.',
    ],
  },
};

/** The greeting of an email, by audience. */
const GREETING: Record<NotificationAudience, string> = {
  PATIENT: 'Hello {{patientName}},\n\n',
  PRACTITIONER: 'Hello {{doctorName}},\n\n',
  USER: 'Hello,\n\n',
};

/** Every template the subgraph starts with (seeded when missing, never over an admin's edit). */
export const DEFAULT_TEMPLATES: readonly (TemplateKey & TemplateText)[] = Object.entries(DEFAULT_WORDING).flatMap(
  ([eventType, byAudience]) =>
    Object.entries(byAudience).flatMap(([audience, [subject, sentence]]) =>
      channelsOfAudience(audience as NotificationAudience).map((channel) => ({
        eventType: eventType as NotificationEventType,
        channel,
        audience: audience as NotificationAudience,
        subject: channel === 'EMAIL' ? subject : null,
        body:
          channel === 'EMAIL'
            ? `${GREETING[audience as NotificationAudience]}${sentence}\n\nHMS`
            : channel === 'SMS'
              ? `HMS: ${sentence}`
              : sentence,
      })),
    ),
);

/** Template tokens allowed besides text: `{{name}}`, `{{{name}}}` / `{{&name}}` (the same: nothing is escaped), comments. */
const VARIABLE_TOKENS = new Set(['name', '&']);
const TOKEN_NAMES: Record<string, string> = {
  '#': 'sections ({{#…}})',
  '^': 'inverted sections ({{^…}})',
  '>': 'partials ({{>…}})',
  '=': 'delimiter changes ({{=…=}})',
};

/** What is wrong with a template: the input field at fault (`input.body`) and what is wrong with it. */
export interface TemplateProblem {
  field: string;
  message: string;
}

/**
 * What is wrong with a template text for an event type, or null when nothing is: a syntax error, a section,
 * partial or delimiter change, a variable the event type does not provide.
 *
 * @param field where the text sits in the input (`input.body`).
 */
export function templateTextProblem(
  eventType: NotificationEventType,
  text: string,
  field: string,
): TemplateProblem | null {
  let tokens: TemplateSpans;
  try {
    tokens = Mustache.parse(text);
  } catch (error) {
    return { field, message: `template syntax error: ${error instanceof Error ? error.message : String(error)}` };
  }
  const declared = EVENT_VARIABLES[eventType];
  for (const [type, value] of tokens) {
    if (type === 'text' || type === '!') continue;
    if (!VARIABLE_TOKENS.has(type)) {
      return { field, message: `${TOKEN_NAMES[type] ?? `{{${type}…}} tags`} are not allowed; use {{variable}} only` };
    }
    if (!Object.hasOwn(declared, value)) {
      return {
        field,
        message: `${eventType} provides no variable "${value}" (it provides ${variablesOf(eventType).join(', ')})`,
      };
    }
  }
  return null;
}

/**
 * What is wrong with a template, or null (SPEC §7 templates; the checks of `updateNotificationTemplate`): a key
 * with no template (e.g. `PASSWORD_RESET` in-app), an `EMAIL` template without a subject or another channel's
 * with one, a syntax error or an unknown variable in the subject or body, an `SMS` body that can exceed
 * `SMS_MAX_LENGTH` characters with the longest example value of each variable.
 */
export function templateProblem(key: TemplateKey, text: TemplateText): TemplateProblem | null {
  if (!isTemplateKey(key)) {
    return {
      field: 'input',
      message:
        `${key.eventType} has no ${key.channel} template for ${key.audience} (it goes to ` +
        `${AUDIENCES_OF[key.eventType].join(', ')}; an account holder by EMAIL only)`,
    };
  }
  if (key.channel === 'EMAIL' && !text.subject?.trim()) {
    return { field: 'input.subject', message: 'an EMAIL template needs a subject' };
  }
  if (key.channel !== 'EMAIL' && text.subject !== null) {
    return { field: 'input.subject', message: `only EMAIL templates have a subject, not ${key.channel}` };
  }
  const problem =
    (text.subject !== null ? templateTextProblem(key.eventType, text.subject, 'input.subject') : null) ??
    templateTextProblem(key.eventType, text.body, 'input.body');
  if (problem) return problem;
  if (key.channel === 'SMS') {
    const longest = render(text.body, longestExamples(key.eventType)).length;
    if (longest > SMS_MAX_LENGTH) {
      return {
        field: 'input.body',
        message: `an SMS may have at most ${SMS_MAX_LENGTH} characters, and this one reaches ${longest} with the longest example values`,
      };
    }
  }
  return null;
}

/** The longest example of every variable of an event type. */
export function longestExamples(eventType: NotificationEventType): Record<string, string> {
  return Object.fromEntries(
    Object.entries(EVENT_VARIABLES[eventType]).map(([name, spec]) => [
      name,
      spec.examples.reduce((longest, example) => (example.length > longest.length ? example : longest), ''),
    ]),
  );
}

/** Renders a Mustache text as plain text (nothing escaped); a variable missing from `variables` renders empty. */
export function render(text: string, variables: Readonly<Record<string, string>>): string {
  return Mustache.render(text, variables, undefined, { escape: (value: unknown) => String(value) });
}

/** A rendered notification. */
export interface RenderedMessage {
  subject: string | null;
  message: string;
}

/** Renders a template for one recipient; an SMS body is cut to `SMS_MAX_LENGTH` characters if it ever exceeds it. */
export function renderTemplate(
  channel: NotificationChannel,
  text: TemplateText,
  variables: Readonly<Record<string, string>>,
): RenderedMessage {
  const message = render(text.body, variables);
  return {
    subject: channel === 'EMAIL' && text.subject !== null ? render(text.subject, variables) : null,
    message: channel === 'SMS' ? fitSms(message) : message,
  };
}

/** The parts of a notification a secret can be in. */
export interface NotificationContent {
  subject: string | null;
  message: string;
  metadata: Record<string, unknown>;
}

/**
 * A notification's content with its event type's secret variables (kept in `metadata` under their names until then)
 * replaced by `[redacted]` everywhere: what is stored once the notification is final (sent or failed).
 */
export function redactSecrets(eventType: NotificationEventType, content: NotificationContent): NotificationContent {
  const secrets = secretVariablesOf(eventType)
    .map((name) => content.metadata[name])
    .filter((value): value is string => typeof value === 'string' && value.length > 0 && value !== REDACTED);
  if (secrets.length === 0) return content;
  return {
    subject: content.subject === null ? null : redact(content.subject, secrets),
    message: redact(content.message, secrets),
    metadata: redactJson(content.metadata, secrets) as Record<string, unknown>,
  };
}
