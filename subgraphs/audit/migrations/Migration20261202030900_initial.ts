import { Migration } from '@mikro-orm/migrations';

export class Migration20261202030900_initial extends Migration {

  override name = 'Migration20261202030900_initial';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "audit";`);
    this.addSql(`create table "audit"."audit_chain_anchor" ("id" smallint not null, "position" bigint not null, "hash" varchar(64) not null, "moved_at" timestamptz null, primary key ("id"));`);

    this.addSql(`create table "audit"."audit_chain_head" ("id" smallint not null, "last_position" bigint not null, "last_hash" varchar(64) not null, "updated_at" timestamptz null, primary key ("id"));`);

    this.addSql(`create table "audit"."audit_event" ("id" uuid not null, "position" bigint not null, "event_id" uuid not null, "event_type" varchar(100) not null, "occurred_at" timestamptz not null, "recorded_at" timestamptz not null, "actor_id" uuid null, "actor_roles" text[] not null, "action" text not null, "resource_type" varchar(100) not null, "resource_ids" text[] not null, "patient_id" uuid null, "outcome" text not null, "correlation_id" varchar(200) not null, "source" varchar(100) not null, "details" jsonb not null, "previous_hash" varchar(64) not null, "hash" varchar(64) not null, primary key ("id"));`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_position_key" unique ("position");`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_event_id_key" unique ("event_id");`);
    this.addSql(`create index "audit_event_occurred_idx" on "audit"."audit_event" ("occurred_at", "position");`);
    this.addSql(`create index "audit_event_actor_idx" on "audit"."audit_event" ("actor_id", "occurred_at", "position");`);
    this.addSql(`create index "audit_event_patient_idx" on "audit"."audit_event" ("patient_id", "occurred_at", "position");`);
    this.addSql(`create index "audit_event_action_idx" on "audit"."audit_event" ("action", "occurred_at", "position");`);
    this.addSql(`create index "audit_event_resource_type_idx" on "audit"."audit_event" ("resource_type", "occurred_at", "position");`);
    this.addSql(`create index "audit_event_outcome_idx" on "audit"."audit_event" ("outcome", "occurred_at", "position");`);
    this.addSql(`create index "audit_event_correlation_idx" on "audit"."audit_event" ("correlation_id", "occurred_at", "position");`);
    this.addSql(`create index "audit_event_resource_ids_idx" on "audit"."audit_event" using gin ("resource_ids");`);

    this.addSql(`create table "audit"."outbox_message" ("id" uuid not null, "topic" varchar(100) not null, "message_key" varchar(100) not null, "type" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "outbox_message_unpublished_idx" on "audit"."outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "audit"."processed_event" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, primary key ("consumer", "event_id"));`);

    this.addSql(`create table "audit"."relay_lease" ("name" varchar(50) not null, "holder" varchar(100) not null, "expires_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`alter table "audit"."audit_chain_anchor" add constraint "audit_chain_anchor_single_check" check ("id" = 1);`);
    this.addSql(`alter table "audit"."audit_chain_anchor" add constraint "audit_chain_anchor_position_check" check ("position" >= 0);`);
    this.addSql(`alter table "audit"."audit_chain_anchor" add constraint "audit_chain_anchor_hash_check" check ("hash" ~ '^[0-9a-f]{64}\$');`);

    this.addSql(`alter table "audit"."audit_chain_head" add constraint "audit_chain_head_single_check" check ("id" = 1);`);
    this.addSql(`alter table "audit"."audit_chain_head" add constraint "audit_chain_head_position_check" check ("last_position" >= 0);`);
    this.addSql(`alter table "audit"."audit_chain_head" add constraint "audit_chain_head_hash_check" check ("last_hash" ~ '^[0-9a-f]{64}\$');`);

    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_position_check" check ("position" > 0);`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_hash_check" check ("hash" ~ '^[0-9a-f]{64}\$');`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_previous_hash_check" check ("previous_hash" ~ '^[0-9a-f]{64}\$');`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_details_check" check (jsonb_typeof("details") = 'object');`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_action_check" check ("action" in ('CREATE', 'READ', 'UPDATE', 'DELETE', 'EXECUTE'));`);
    this.addSql(`alter table "audit"."audit_event" add constraint "audit_event_outcome_check" check ("outcome" in ('SUCCESS', 'DENIED', 'FAILED'));`);

    // Added by hand: the chain's two ends, empty (position 0, the genesis hash), before the first append locks the head.
    this.addSql(`insert into "audit"."audit_chain_head" ("id", "last_position", "last_hash") values (1, 0, '${'0'.repeat(64)}');`);
    this.addSql(`insert into "audit"."audit_chain_anchor" ("id", "position", "hash") values (1, 0, '${'0'.repeat(64)}');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit"."audit_chain_anchor" cascade;`);
    this.addSql(`drop table if exists "audit"."audit_chain_head" cascade;`);
    this.addSql(`drop table if exists "audit"."audit_event" cascade;`);
    this.addSql(`drop table if exists "audit"."outbox_message" cascade;`);
    this.addSql(`drop table if exists "audit"."processed_event" cascade;`);
    this.addSql(`drop table if exists "audit"."relay_lease" cascade;`);

    this.addSql(`drop schema if exists "audit";`);
  }

}
