/**
 * Real receivers on loopback for the delivery tests: an SMTP server (smtp-server, with every message parsed by
 * mailparser) and an HTTP SMS gateway (node:http), each answering as the test tells it to, and recording what
 * reached it.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`. */
  url: string;
  /** Every message accepted, in order. */
  received: ParsedMail[];
  /** RCPT TO replies with this code from now on (e.g. 451, 550); null accepts. */
  rejectWith(code: number | null): void;
  /** RCPT TO commands seen (accepted or not). */
  attempts(): number;
  close(): Promise<void>;
}

/** Starts an SMTP server on a free loopback port, without TLS or authentication. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  let rejection: number | null = null;
  let attempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 100,
    onRcptTo(_address, _session, callback) {
      attempts++;
      if (rejection === null) return callback();
      const error = Object.assign(new Error(rejection >= 500 ? 'No such mailbox here' : 'Try again later'), {
        responseCode: rejection,
      });
      callback(error);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  const port = await new Promise<number>((resolve) => {
    const listening = server.listen(0, '127.0.0.1', () => resolve((listening.address() as AddressInfo).port));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rejectWith: (code) => {
      rejection = code;
    },
    attempts: () => attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What the SMS gateway received. */
export interface ReceivedSms {
  to: string;
  body: string;
  reference: string;
  headers: IncomingHttpHeaders;
}

export interface SmsReceiver {
  url: string;
  received: ReceivedSms[];
  /** Requests, whatever the answer was. */
  requests(): number;
  /** Answers with this HTTP status from now on (200 accepts, with `{ id }`). */
  answerWith(status: number): void;
  close(): Promise<void>;
}

/** Starts an HTTP SMS gateway on a free loopback port: `POST /sms` with JSON `{ to, body, reference }`. */
export async function startSmsReceiver(): Promise<SmsReceiver> {
  const received: ReceivedSms[] = [];
  let status = 200;
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests++;
      if (status >= 200 && status < 300) {
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<ReceivedSms, 'headers'>;
        received.push({ ...message, headers: req.headers });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `sms-${received.length}` }));
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'as the test asked' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    received,
    requests: () => requests,
    answerWith: (next) => {
      status = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
