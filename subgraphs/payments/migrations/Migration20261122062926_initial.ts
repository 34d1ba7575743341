import { Migration } from '@mikro-orm/migrations';

export class Migration20261122062926_initial extends Migration {

  override name = 'Migration20261122062926_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "payments";`);
    this.addSql(`create table "payments"."bill_ledger" ("bill_id" uuid not null, "patient_id" uuid not null, "appointment_id" uuid null, "currency" varchar(3) not null, "total_amount" int not null, "status" text not null, "reserved_amount" int not null default 0, "paid_amount" int not null default 0, "refunded_amount" int not null default 0, "sequence" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("bill_id"));`);
    this.addSql(`create index "bill_ledger_patient_idx" on "payments"."bill_ledger" ("patient_id");`);
    this.addSql(`create index "bill_ledger_appointment_idx" on "payments"."bill_ledger" ("appointment_id");`);

    this.addSql(`create table "payments"."idempotency_key" ("scope" varchar(100) not null, "key" varchar(255) not null, "operation" varchar(100) not null, "request_hash" varchar(64) not null, "status" text not null, "response" jsonb null, "created_at" timestamptz not null, "completed_at" timestamptz null, "expires_at" timestamptz not null, primary key ("scope", "key"));`);
    this.addSql(`create index "idempotency_key_expires_at_idx" on "payments"."idempotency_key" ("expires_at");`);

    this.addSql(`create table "payments"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "payments"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "payments"."payment" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "bill_id" uuid not null, "patient_id" uuid not null, "amount" int not null, "currency" varchar(3) not null, "method" text not null, "status" text not null, "reference" varchar(100) not null, "provider_reference" varchar(200) null, "failure_code" varchar(50) null, "failure_message" text null, "refunded_amount" int not null default 0, "refund_count" int not null default 0, "processed_at" timestamptz null, "recorded_by" uuid null, primary key ("id"));`);
    this.addSql(`create index "payment_patient_idx" on "payments"."payment" ("patient_id");`);
    this.addSql(`alter table "payments"."payment" add constraint "payment_reference_key" unique ("reference");`);
    this.addSql(`create index "payment_bill_created_idx" on "payments"."payment" ("bill_id", "created_at");`);

    this.addSql(`create table "payments"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "payments"."refund" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "payment_id" uuid not null, "bill_id" uuid not null, "amount" int not null, "currency" varchar(3) not null, "reason" text null, "reference" varchar(120) not null, "provider_reference" varchar(200) null, "recorded_by" uuid null, primary key ("id"));`);
    this.addSql(`create index "refund_payment_idx" on "payments"."refund" ("payment_id");`);
    this.addSql(`alter table "payments"."refund" add constraint "refund_reference_key" unique ("reference");`);

    this.addSql(`create table "payments"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "payments"."bill_ledger" add constraint "bill_ledger_total_check" check ("total_amount" >= 0);`);
    this.addSql(`alter table "payments"."bill_ledger" add constraint "bill_ledger_paid_check" check ("paid_amount" >= 0 and "paid_amount" <= "reserved_amount");`);
    this.addSql(`alter table "payments"."bill_ledger" add constraint "bill_ledger_no_overpayment_check" check ("reserved_amount" <= "total_amount");`);
    this.addSql(`alter table "payments"."bill_ledger" add constraint "bill_ledger_refunded_check" check ("refunded_amount" >= 0);`);
    this.addSql(`alter table "payments"."bill_ledger" add constraint "bill_ledger_status_check" check ("status" in ('OPEN', 'VOID'));`);

    this.addSql(`alter table "payments"."idempotency_key" add constraint "idempotency_key_status_check" check ("status" in ('IN_FLIGHT', 'COMPLETED'));`);

    this.addSql(`alter table "payments"."payment" add constraint "payment_amount_check" check ("amount" > 0);`);
    this.addSql(`alter table "payments"."payment" add constraint "payment_refunded_check" check ("refunded_amount" >= 0 and "refunded_amount" <= "amount");`);
    this.addSql(`alter table "payments"."payment" add constraint "payment_method_check" check ("method" in ('CASH', 'CARD', 'INSURANCE', 'ONLINE'));`);
    this.addSql(`alter table "payments"."payment" add constraint "payment_status_check" check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED'));`);

    this.addSql(`alter table "payments"."refund" add constraint "refund_amount_check" check ("amount" > 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "payments"."bill_ledger" cascade;`);
    this.addSql(`drop table if exists "payments"."idempotency_key" cascade;`);
    this.addSql(`drop table if exists "payments"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "payments"."payment" cascade;`);
    this.addSql(`drop table if exists "payments"."processed_event" cascade;`);
    this.addSql(`drop table if exists "payments"."refund" cascade;`);
    this.addSql(`drop table if exists "payments"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "payments";`);
  }

}
