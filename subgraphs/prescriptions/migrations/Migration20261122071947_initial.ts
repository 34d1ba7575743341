import { Migration } from '@mikro-orm/migrations';

export class Migration20261122071947_initial extends Migration {

  override name = 'Migration20261122071947_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "prescriptions";`);
    // Added by hand: medicine search matches any part of the name through a trigram index. Subgraphs sharing one
    // database migrate at the same time, and two concurrent `create extension if not exists` can collide: the loser
    // finds the extension there, which is all it needs.
    this.addSql(`do $$ begin create extension if not exists pg_trgm; exception when unique_violation or duplicate_object then null; end $$;`);
    this.addSql(`create table "prescriptions"."appointment_replica" ("appointment_id" uuid not null, "patient_id" uuid not null, "doctor_id" uuid not null, "status" varchar(20) not null, "as_of" timestamptz not null, primary key ("appointment_id"));`);

    this.addSql(`create table "prescriptions"."care_relationship" ("doctor_id" uuid not null, "patient_id" uuid not null, "since" timestamptz not null, primary key ("doctor_id", "patient_id"));`);
    this.addSql(`create index "care_relationship_patient_idx" on "prescriptions"."care_relationship" ("patient_id");`);

    this.addSql(`create table "prescriptions"."medical_record_entry" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "patient_id" uuid not null, "appointment_id" uuid null, "author_id" uuid not null, "kind" text not null, "code_system" text null, "code" varchar(64) null, "code_display" varchar(500) null, "data" jsonb not null, "effective_at" timestamptz not null, "recorded_at" timestamptz not null, "supersedes_id" uuid null, "identifier_system" varchar(200) null, "identifier_value" varchar(200) null, primary key ("id"));`);
    this.addSql(`create index "medical_record_entry_appointment_idx" on "prescriptions"."medical_record_entry" ("appointment_id");`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_supersedes_key" unique ("supersedes_id");`);
    this.addSql(`create index "medical_record_entry_patient_effective_idx" on "prescriptions"."medical_record_entry" ("patient_id", "effective_at", "id");`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_identifier_key" unique ("identifier_system", "identifier_value");`);

    this.addSql(`create table "prescriptions"."medicine" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(200) not null, "strength" varchar(200) null, "form" varchar(200) null, "code_system" text null, "code" varchar(64) null, "code_display" varchar(500) null, "active" boolean not null default true, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "medicine_name_idx" on "prescriptions"."medicine" ("name", "id");`);
    this.addSql(`create index "medicine_name_trgm_idx" on "prescriptions"."medicine" using gin ((lower("name")) gin_trgm_ops);`);
    this.addSql(`alter table "prescriptions"."medicine" add constraint "medicine_code_key" unique ("code_system", "code");`);

    this.addSql(`create table "prescriptions"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "prescriptions"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "prescriptions"."patient_replica" ("patient_id" uuid not null, "active" boolean not null, "as_of" timestamptz not null, primary key ("patient_id"));`);

    this.addSql(`create table "prescriptions"."prescription" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "patient_id" uuid not null, "doctor_id" uuid not null, "appointment_id" uuid null, "medicine_id" uuid null, "medication_text" varchar(500) not null, "dose_value" double precision null, "dose_unit" varchar(20) null, "times_per_day" int null, "duration_days" int null, "instructions" varchar(2000) null, "reason_system" text null, "reason_code" varchar(64) null, "reason_display" varchar(500) null, "issued_at" timestamptz not null, "identifier_system" varchar(200) null, "identifier_value" varchar(200) null, primary key ("id"));`);
    this.addSql(`create index "prescription_appointment_idx" on "prescriptions"."prescription" ("appointment_id");`);
    this.addSql(`create index "prescription_patient_issued_idx" on "prescriptions"."prescription" ("patient_id", "issued_at", "id");`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_identifier_key" unique ("identifier_system", "identifier_value");`);

    this.addSql(`create table "prescriptions"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "prescriptions"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_code_check" check (("code_system" is null) = ("code" is null));`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_data_check" check (jsonb_typeof("data") = 'object');`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_identifier_check" check (("identifier_system" is null) = ("identifier_value" is null));`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_supersedes_check" check ("supersedes_id" is null or "supersedes_id" <> "id");`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_kind_check" check ("kind" in ('ENCOUNTER_NOTE', 'DIAGNOSIS', 'VITALS', 'ALLERGY', 'LAB_RESULT'));`);
    this.addSql(`alter table "prescriptions"."medical_record_entry" add constraint "medical_record_entry_code_system_check" check ("code_system" in ('ICD_10', 'SNOMED_CT', 'LOINC', 'RXNORM'));`);

    this.addSql(`alter table "prescriptions"."medicine" add constraint "medicine_code_check" check (("code_system" is null) = ("code" is null));`);
    this.addSql(`alter table "prescriptions"."medicine" add constraint "medicine_code_display_check" check ("code" is not null or "code_display" is null);`);
    this.addSql(`alter table "prescriptions"."medicine" add constraint "medicine_code_system_check" check ("code_system" in ('ICD_10', 'SNOMED_CT', 'LOINC', 'RXNORM'));`);

    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_medicine_id_foreign" foreign key ("medicine_id") references "prescriptions"."medicine" ("id") on delete set null;`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_medication_text_check" check (length(trim(both from "medication_text")) > 0);`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_dose_check" check (("dose_value" is null) = ("dose_unit" is null) and ("dose_value" is null or ("dose_value"::numeric > 0 and "dose_value"::numeric <= 100000)));`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_times_per_day_check" check ("times_per_day" is null or ("times_per_day" >= 1 and "times_per_day" <= 24));`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_duration_days_check" check ("duration_days" is null or ("duration_days" >= 1 and "duration_days" <= 365));`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_reason_check" check (("reason_system" is null) = ("reason_code" is null));`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_identifier_check" check (("identifier_system" is null) = ("identifier_value" is null));`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_issued_check" check ("identifier_system" is not null or ("appointment_id" is not null and "dose_value" is not null and "times_per_day" is not null and "duration_days" is not null));`);
    this.addSql(`alter table "prescriptions"."prescription" add constraint "prescription_reason_system_check" check ("reason_system" in ('ICD_10', 'SNOMED_CT', 'LOINC', 'RXNORM'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "prescriptions"."prescription" drop constraint "prescription_medicine_id_foreign";`);

    this.addSql(`drop table if exists "prescriptions"."appointment_replica" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."care_relationship" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."medical_record_entry" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."medicine" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."patient_replica" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."prescription" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."processed_event" cascade;`);
    this.addSql(`drop table if exists "prescriptions"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "prescriptions";`);
  }

}
