import { Migration } from '@mikro-orm/migrations';

export class Migration20261122035732_initial extends Migration {

  override name = 'Migration20261122035732_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "identity";`);
    this.addSql(`create table "identity"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "identity"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "identity"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "identity"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`create table "identity"."signing_key" ("kid" varchar(64) not null, "algorithm" varchar(10) not null, "public_jwk" jsonb not null, "private_key_pem" text not null, "created_at" timestamptz not null, "retired_at" timestamptz null, primary key ("kid"));`);

    this.addSql(`create table "identity"."user_account" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "email" varchar(254) not null, "password_hash" varchar(255) not null, "roles" text[] not null, "patient_id" uuid null, "doctor_id" uuid null, "disabled_at" timestamptz null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "identity"."user_account" add constraint "user_account_email_key" unique ("email");`);
    this.addSql(`alter table "identity"."user_account" add constraint "user_account_patient_id_key" unique ("patient_id");`);
    this.addSql(`alter table "identity"."user_account" add constraint "user_account_doctor_id_key" unique ("doctor_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "identity"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "identity"."processed_event" cascade;`);
    this.addSql(`drop table if exists "identity"."relay_lease" cascade;`);
    this.addSql(`drop table if exists "identity"."signing_key" cascade;`);
    this.addSql(`drop table if exists "identity"."user_account" cascade;`);

    this.addSql(`drop schema if exists "identity";`);
  }

}
