import { Migration } from '@mikro-orm/migrations';

export class Migration20261122035739_initial extends Migration {

  override name = 'Migration20261122035739_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "appointments";`);
    // Added by hand: exclusion constraints need btree_gist for the equality part on uuid columns.
    this.addSql(`create extension if not exists btree_gist;`);
    this.addSql(`create table "appointments"."appointment" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "patient_id" uuid not null, "doctor_id" uuid not null, "department_id" uuid not null, "starts_at" timestamptz not null, "ends_at" timestamptz not null, "status" text not null, "reason" text null, "cancelled_at" timestamptz null, "cancellation_reason" text null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "appointment_starts_at_idx" on "appointments"."appointment" ("starts_at");`);
    this.addSql(`create index "appointment_patient_starts_idx" on "appointments"."appointment" ("patient_id", "starts_at", "id");`);
    this.addSql(`create index "appointment_doctor_starts_idx" on "appointments"."appointment" ("doctor_id", "starts_at", "id");`);

    this.addSql(`create table "appointments"."doctor_replica" ("doctor_id" uuid not null, "department_id" uuid not null, "consultation_fee_amount" int not null, "fee_currency" varchar(3) not null, "active" boolean not null, "as_of" timestamptz not null, primary key ("doctor_id"));`);

    this.addSql(`create table "appointments"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "appointments"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "appointments"."patient_replica" ("patient_id" uuid not null, "active" boolean not null, "as_of" timestamptz not null, primary key ("patient_id"));`);

    this.addSql(`create table "appointments"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "appointments"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "appointments"."appointment" add constraint "appointment_status_check" check ("status" in ('PENDING', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED', 'CANCELLED', 'NO_SHOW', 'REJECTED'));`);
    this.addSql(`alter table "appointments"."appointment" add constraint "appointment_time_check" check ("ends_at" > "starts_at");`);

    // Added by hand (SPEC §3): no two active appointments of one doctor, or of one patient, overlap in time.
    // Half-open ranges, so back-to-back slots do not collide.
    this.addSql(`alter table "appointments"."appointment" add constraint "appointment_doctor_slot_excl" exclude using gist ("doctor_id" with =, tstzrange("starts_at", "ends_at", '[)') with &&) where ("status" in ('PENDING', 'CONFIRMED', 'CHECKED_IN'));`);
    this.addSql(`alter table "appointments"."appointment" add constraint "appointment_patient_slot_excl" exclude using gist ("patient_id" with =, tstzrange("starts_at", "ends_at", '[)') with &&) where ("status" in ('PENDING', 'CONFIRMED', 'CHECKED_IN'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "appointments"."appointment" cascade;`);
    this.addSql(`drop table if exists "appointments"."doctor_replica" cascade;`);
    this.addSql(`drop table if exists "appointments"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "appointments"."patient_replica" cascade;`);
    this.addSql(`drop table if exists "appointments"."processed_event" cascade;`);
    this.addSql(`drop table if exists "appointments"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "appointments";`);
  }

}
