import { Migration } from '@mikro-orm/migrations';

export class Migration20261202015520_initial extends Migration {

  override name = 'Migration20261202015520_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "notifications";`);
    this.addSql(`create table "notifications"."appointment_replica" ("appointment_id" uuid not null, "patient_id" uuid not null, "doctor_id" uuid not null, "starts_at" timestamptz not null, "status" varchar(20) not null, "scheduled_at" timestamptz not null, "reminded_starts_at" timestamptz null, "as_of" timestamptz not null, primary key ("appointment_id"));`);
    this.addSql(`create index "appointment_replica_starts_idx" on "notifications"."appointment_replica" ("starts_at");`);

    this.addSql(`create table "notifications"."doctor_contact" ("doctor_id" uuid not null, "given_name" varchar(100) not null, "family_name" varchar(100) not null, "email" varchar(254) null, "phone" varchar(16) null, "active" boolean not null, "as_of" timestamptz not null, primary key ("doctor_id"));`);

    this.addSql(`create table "notifications"."notification" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "event_type" text not null, "channel" text not null, "audience" text not null, "recipient_id" uuid not null, "address" varchar(254) null, "subject" varchar(1000) null, "message" text not null, "metadata" jsonb not null, "status" text not null, "attempts" int not null default 0, "next_attempt_at" timestamptz null, "sent_at" timestamptz null, "read_at" timestamptz null, "last_error" varchar(500) null, "source_event_id" uuid null, "source_key" varchar(200) null, "correlation_id" varchar(200) not null, primary key ("id"));`);
    this.addSql(`create index "notification_recipient_idx" on "notifications"."notification" ("recipient_id", "channel", "created_at", "id");`);
    this.addSql(`create index "notification_due_idx" on "notifications"."notification" ("next_attempt_at") where "status" = 'PENDING';`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_source_event_key" unique ("source_event_id", "audience", "recipient_id", "channel");`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_source_key" unique ("source_key", "audience", "recipient_id", "channel");`);

    this.addSql(`create table "notifications"."notification_template" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "event_type" text not null, "channel" text not null, "audience" text not null, "subject" varchar(200) null, "body" text not null, "enabled" boolean not null default true, "updated_by" uuid null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "notifications"."notification_template" add constraint "notification_template_key" unique ("event_type", "channel", "audience");`);

    this.addSql(`create table "notifications"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "notifications"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "notifications"."patient_contact" ("patient_id" uuid not null, "given_name" varchar(100) not null, "family_name" varchar(100) not null, "email" varchar(254) null, "phone" varchar(16) null, "active" boolean not null, "as_of" timestamptz not null, primary key ("patient_id"));`);

    this.addSql(`create table "notifications"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "notifications"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "notifications"."notification" add constraint "notification_attempts_check" check ("attempts" >= 0);`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_in_app_check" check (("channel" = 'IN_APP') = ("address" is null) and ("channel" <> 'IN_APP' or "status" = 'SENT'));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_subject_check" check ("channel" = 'EMAIL' or "subject" is null);`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_pending_check" check (("status" = 'PENDING') = ("next_attempt_at" is not null));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_sent_check" check (("status" = 'SENT') = ("sent_at" is not null));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_source_check" check (("source_event_id" is null) <> ("source_key" is null));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_metadata_check" check (jsonb_typeof("metadata") = 'object');`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_event_type_check" check ("event_type" in ('APPOINTMENT_BOOKED', 'APPOINTMENT_CONFIRMED', 'APPOINTMENT_REJECTED', 'APPOINTMENT_RESCHEDULED', 'APPOINTMENT_CANCELLED', 'APPOINTMENT_REMINDER', 'BILL_ISSUED', 'PAYMENT_SUCCEEDED', 'PAYMENT_FAILED', 'PRESCRIPTION_ISSUED', 'PASSWORD_RESET'));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_channel_check" check ("channel" in ('IN_APP', 'EMAIL', 'SMS'));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_audience_check" check ("audience" in ('PATIENT', 'PRACTITIONER', 'USER'));`);
    this.addSql(`alter table "notifications"."notification" add constraint "notification_status_check" check ("status" in ('PENDING', 'SENT', 'FAILED'));`);

    this.addSql(`alter table "notifications"."notification_template" add constraint "notification_template_subject_check" check (("channel" = 'EMAIL') = ("subject" is not null));`);
    this.addSql(`alter table "notifications"."notification_template" add constraint "notification_template_body_check" check (length("body") >= 1 and length("body") <= 5000);`);
    this.addSql(`alter table "notifications"."notification_template" add constraint "notification_template_event_type_check" check ("event_type" in ('APPOINTMENT_BOOKED', 'APPOINTMENT_CONFIRMED', 'APPOINTMENT_REJECTED', 'APPOINTMENT_RESCHEDULED', 'APPOINTMENT_CANCELLED', 'APPOINTMENT_REMINDER', 'BILL_ISSUED', 'PAYMENT_SUCCEEDED', 'PAYMENT_FAILED', 'PRESCRIPTION_ISSUED', 'PASSWORD_RESET'));`);
    this.addSql(`alter table "notifications"."notification_template" add constraint "notification_template_channel_check" check ("channel" in ('IN_APP', 'EMAIL', 'SMS'));`);
    this.addSql(`alter table "notifications"."notification_template" add constraint "notification_template_audience_check" check ("audience" in ('PATIENT', 'PRACTITIONER', 'USER'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "notifications"."appointment_replica" cascade;`);
    this.addSql(`drop table if exists "notifications"."doctor_contact" cascade;`);
    this.addSql(`drop table if exists "notifications"."notification" cascade;`);
    this.addSql(`drop table if exists "notifications"."notification_template" cascade;`);
    this.addSql(`drop table if exists "notifications"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "notifications"."patient_contact" cascade;`);
    this.addSql(`drop table if exists "notifications"."processed_event" cascade;`);
    this.addSql(`drop table if exists "notifications"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "notifications";`);
  }

}
