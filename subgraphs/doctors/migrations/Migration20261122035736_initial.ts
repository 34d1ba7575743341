import { Migration } from '@mikro-orm/migrations';

export class Migration20261122035736_initial extends Migration {

  override name = 'Migration20261122035736_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "doctors";`);
    this.addSql(`create table "doctors"."department" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(100) not null, "code" varchar(10) not null, "description" text null, primary key ("id"));`);
    this.addSql(`alter table "doctors"."department" add constraint "department_name_key" unique ("name");`);
    this.addSql(`alter table "doctors"."department" add constraint "department_code_key" unique ("code");`);

    this.addSql(`create table "doctors"."doctor" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "given_name" varchar(100) not null, "family_name" varchar(100) not null, "department_id" uuid not null, "specialization" varchar(100) not null, "consultation_fee_amount" int not null, "fee_currency" varchar(3) not null, "email" varchar(254) null, "phone" varchar(16) null, "active" boolean not null default true, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "doctor_department_idx" on "doctors"."doctor" ("department_id");`);
    this.addSql(`create index "doctor_name_idx" on "doctors"."doctor" ("family_name", "given_name", "id");`);
    this.addSql(`create index "doctor_specialization_idx" on "doctors"."doctor" (lower("specialization"));`);

    this.addSql(`create table "doctors"."doctor_identifier" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "doctor_id" uuid not null, "system" varchar(200) not null, "value" varchar(200) not null, primary key ("id"));`);
    this.addSql(`create index "doctor_identifier_doctor_idx" on "doctors"."doctor_identifier" ("doctor_id");`);
    this.addSql(`alter table "doctors"."doctor_identifier" add constraint "doctor_identifier_system_value_key" unique ("system", "value");`);
    this.addSql(`alter table "doctors"."doctor_identifier" add constraint "doctor_identifier_doctor_system_key" unique ("doctor_id", "system");`);

    this.addSql(`create table "doctors"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "doctors"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "doctors"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "doctors"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "doctors"."doctor" add constraint "doctor_department_id_foreign" foreign key ("department_id") references "doctors"."department" ("id");`);

    this.addSql(`alter table "doctors"."doctor_identifier" add constraint "doctor_identifier_doctor_id_foreign" foreign key ("doctor_id") references "doctors"."doctor" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "doctors"."doctor" drop constraint "doctor_department_id_foreign";`);
    this.addSql(`alter table "doctors"."doctor_identifier" drop constraint "doctor_identifier_doctor_id_foreign";`);

    this.addSql(`drop table if exists "doctors"."department" cascade;`);
    this.addSql(`drop table if exists "doctors"."doctor" cascade;`);
    this.addSql(`drop table if exists "doctors"."doctor_identifier" cascade;`);
    this.addSql(`drop table if exists "doctors"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "doctors"."processed_event" cascade;`);
    this.addSql(`drop table if exists "doctors"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "doctors";`);
  }

}
