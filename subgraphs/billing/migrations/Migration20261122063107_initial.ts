import { Migration } from '@mikro-orm/migrations';

export class Migration20261122063107_initial extends Migration {

  override name = 'Migration20261122063107_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "billing";`);
    this.addSql(`create table "billing"."appointment_replica" ("appointment_id" uuid not null, "patient_id" uuid not null, "starts_at" timestamptz not null, "status" varchar(20) not null, "as_of" timestamptz not null, primary key ("appointment_id"));`);

    this.addSql(`create table "billing"."bill" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "number" varchar(20) not null, "patient_id" uuid not null, "appointment_id" uuid null, "kind" text not null, "status" text not null, "currency" varchar(3) not null, "subtotal_amount" int not null, "tax_rate_basis_points" int not null, "tax_amount" int not null, "total_amount" int not null, "amount_paid" int not null default 0, "amount_refunded" int not null default 0, "payment_sequence" int not null default 0, "note" text null, "issued_at" timestamptz not null, "paid_at" timestamptz null, "voided_at" timestamptz null, "void_reason" text null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_number_key" unique ("number");`);
    this.addSql(`create index "bill_appointment_idx" on "billing"."bill" ("appointment_id");`);
    this.addSql(`create index "bill_issued_idx" on "billing"."bill" ("issued_at", "id");`);
    this.addSql(`create index "bill_patient_issued_idx" on "billing"."bill" ("patient_id", "issued_at", "id");`);
    this.addSql(`create unique index "bill_appointment_kind_key" on "billing"."bill" ("appointment_id", "kind") where "kind" <> 'MANUAL';`);

    this.addSql(`create table "billing"."bill_line_item" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "bill_id" uuid not null, "position" int not null, "description" varchar(200) not null, "code" varchar(50) null, "quantity" int not null, "unit_price_amount" int not null, "amount" int not null, "currency" varchar(3) not null, primary key ("id"));`);
    this.addSql(`alter table "billing"."bill_line_item" add constraint "bill_line_item_position_key" unique ("bill_id", "position");`);

    this.addSql(`create table "billing"."bill_number_counter" ("year" int not null, "last" int not null, primary key ("year"));`);

    this.addSql(`create table "billing"."insurance_claim" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "bill_id" uuid not null, "payer" varchar(200) not null, "policy_number" varchar(100) not null, "status" text not null, "currency" varchar(3) not null, "claimed_amount" int not null, "approved_amount" int null, "decision_reason" text null, "submitted_at" timestamptz not null, "decided_at" timestamptz null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "insurance_claim_bill_idx" on "billing"."insurance_claim" ("bill_id");`);
    this.addSql(`create unique index "insurance_claim_open_key" on "billing"."insurance_claim" ("bill_id") where "status" in ('SUBMITTED', 'APPROVED');`);

    this.addSql(`create table "billing"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "billing"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "billing"."patient_replica" ("patient_id" uuid not null, "active" boolean not null, "as_of" timestamptz not null, primary key ("patient_id"));`);

    this.addSql(`create table "billing"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "billing"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "billing"."bill" add constraint "bill_amounts_check" check ("subtotal_amount" >= 0 and "tax_amount" >= 0 and "total_amount"::bigint = "subtotal_amount"::bigint + "tax_amount"::bigint);`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_amount_paid_check" check ("amount_paid" >= 0 and "amount_paid" <= "total_amount");`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_amount_refunded_check" check ("amount_refunded" >= 0);`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_tax_rate_check" check ("tax_rate_basis_points" >= 0 and "tax_rate_basis_points" <= 10000);`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_automatic_appointment_check" check ("kind" = 'MANUAL' or "appointment_id" is not null);`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_kind_check" check ("kind" in ('CONSULTATION', 'LATE_CANCELLATION', 'NO_SHOW', 'MANUAL'));`);
    this.addSql(`alter table "billing"."bill" add constraint "bill_status_check" check ("status" in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID', 'REFUNDED'));`);

    this.addSql(`alter table "billing"."bill_line_item" add constraint "bill_line_item_bill_id_foreign" foreign key ("bill_id") references "billing"."bill" ("id");`);
    this.addSql(`alter table "billing"."bill_line_item" add constraint "bill_line_item_quantity_check" check ("quantity" >= 1 and "quantity" <= 1000);`);
    this.addSql(`alter table "billing"."bill_line_item" add constraint "bill_line_item_amount_check" check ("unit_price_amount" >= 0 and "amount"::bigint = "quantity"::bigint * "unit_price_amount"::bigint);`);

    this.addSql(`alter table "billing"."bill_number_counter" add constraint "bill_number_counter_last_check" check ("last" > 0);`);

    this.addSql(`alter table "billing"."insurance_claim" add constraint "insurance_claim_bill_id_foreign" foreign key ("bill_id") references "billing"."bill" ("id");`);
    this.addSql(`alter table "billing"."insurance_claim" add constraint "insurance_claim_claimed_amount_check" check ("claimed_amount" > 0);`);
    this.addSql(`alter table "billing"."insurance_claim" add constraint "insurance_claim_approved_amount_check" check (("status" = 'APPROVED') = ("approved_amount" is not null) and ("approved_amount" is null or ("approved_amount" >= 1 and "approved_amount" <= "claimed_amount")));`);
    this.addSql(`alter table "billing"."insurance_claim" add constraint "insurance_claim_status_check" check ("status" in ('SUBMITTED', 'APPROVED', 'DENIED'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "billing"."bill_line_item" drop constraint "bill_line_item_bill_id_foreign";`);
    this.addSql(`alter table "billing"."insurance_claim" drop constraint "insurance_claim_bill_id_foreign";`);

    this.addSql(`drop table if exists "billing"."appointment_replica" cascade;`);
    this.addSql(`drop table if exists "billing"."bill" cascade;`);
    this.addSql(`drop table if exists "billing"."bill_line_item" cascade;`);
    this.addSql(`drop table if exists "billing"."bill_number_counter" cascade;`);
    this.addSql(`drop table if exists "billing"."insurance_claim" cascade;`);
    this.addSql(`drop table if exists "billing"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "billing"."patient_replica" cascade;`);
    this.addSql(`drop table if exists "billing"."processed_event" cascade;`);
    this.addSql(`drop table if exists "billing"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "billing";`);
  }

}
