import { Migration } from '@mikro-orm/migrations';

export class Migration20261122035448_initial extends Migration {

  override name = 'Migration20261122035448_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "patients";`);
    // Added by hand: name search uses trigram indexes; MRNs come from a sequence (see patient.rules.ts).
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create sequence "patients"."patient_mrn_seq" as integer start with 1 minvalue 1 maxvalue 9999999;`);
    this.addSql(`create table "patients"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "patients"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "patients"."patient" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "mrn" varchar(8) not null, "given_name" varchar(100) not null, "family_name" varchar(100) not null, "birth_date" date not null, "deceased_date" date null, "sex" text not null, "email" varchar(254) null, "phone" varchar(16) null, "address" jsonb null, "archived_at" timestamptz null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "patients"."patient" add constraint "patient_mrn_key" unique ("mrn");`);
    this.addSql(`create index "patient_email_idx" on "patients"."patient" ("email");`);
    this.addSql(`create index "patient_phone_idx" on "patients"."patient" ("phone");`);
    this.addSql(`create index "patient_name_trgm_idx" on "patients"."patient" using gin ((lower("given_name" || ' ' || "family_name")) gin_trgm_ops);`);

    this.addSql(`create table "patients"."patient_identifier" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "patient_id" uuid not null, "system" varchar(200) not null, "value" varchar(200) not null, primary key ("id"));`);
    this.addSql(`create index "patient_identifier_patient_idx" on "patients"."patient_identifier" ("patient_id");`);
    this.addSql(`alter table "patients"."patient_identifier" add constraint "patient_identifier_system_value_key" unique ("system", "value");`);
    this.addSql(`alter table "patients"."patient_identifier" add constraint "patient_identifier_patient_system_key" unique ("patient_id", "system");`);

    this.addSql(`create table "patients"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "patients"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "patients"."patient" add constraint "patient_sex_check" check ("sex" in ('MALE', 'FEMALE', 'OTHER', 'UNKNOWN'));`);

    this.addSql(`alter table "patients"."patient_identifier" add constraint "patient_identifier_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "patients"."patient_identifier" drop constraint "patient_identifier_patient_id_foreign";`);

    this.addSql(`drop table if exists "patients"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "patients"."patient" cascade;`);
    this.addSql(`drop table if exists "patients"."patient_identifier" cascade;`);
    this.addSql(`drop table if exists "patients"."processed_event" cascade;`);
    this.addSql(`drop table if exists "patients"."relay_lease" cascade;`);

    this.addSql(`drop sequence if exists "patients"."patient_mrn_seq";`);
    this.addSql(`drop schema if exists "patients";`);
  }

}
