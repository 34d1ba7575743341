import { Migration } from '@mikro-orm/migrations';

export class Migration20261122042745_sessions extends Migration {

  override name = 'Migration20261122042745_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table "identity"."known_doctor" ("doctor_id" uuid not null, primary key ("doctor_id"));`);

    this.addSql(`create table "identity"."token_revocation" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "session_id" uuid null, "except_session_id" uuid null, "revoked_at" timestamptz not null, "reason" varchar(40) not null, primary key ("id"));`);
    this.addSql(`create index "token_revocation_revoked_at_idx" on "identity"."token_revocation" ("revoked_at");`);

    this.addSql(`create table "identity"."sign_in_failure" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "failed_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "sign_in_failure_user_time_idx" on "identity"."sign_in_failure" ("user_id", "failed_at");`);

    this.addSql(`create table "identity"."refresh_token" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "refresh_token_user_idx" on "identity"."refresh_token" ("user_id");`);
    this.addSql(`create index "refresh_token_family_idx" on "identity"."refresh_token" ("family_id");`);
    this.addSql(`alter table "identity"."refresh_token" add constraint "refresh_token_hash_key" unique ("token_hash");`);

    this.addSql(`create table "identity"."password_reset_token" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "password_reset_token_user_idx" on "identity"."password_reset_token" ("user_id");`);
    this.addSql(`alter table "identity"."password_reset_token" add constraint "password_reset_token_hash_key" unique ("token_hash");`);

    this.addSql(`alter table "identity"."sign_in_failure" add constraint "sign_in_failure_user_id_foreign" foreign key ("user_id") references "identity"."user_account" ("id");`);

    this.addSql(`alter table "identity"."refresh_token" add constraint "refresh_token_user_id_foreign" foreign key ("user_id") references "identity"."user_account" ("id");`);

    this.addSql(`alter table "identity"."password_reset_token" add constraint "password_reset_token_user_id_foreign" foreign key ("user_id") references "identity"."user_account" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "identity"."known_doctor" cascade;`);
    this.addSql(`drop table if exists "identity"."token_revocation" cascade;`);
    this.addSql(`drop table if exists "identity"."sign_in_failure" cascade;`);
    this.addSql(`drop table if exists "identity"."refresh_token" cascade;`);
    this.addSql(`drop table if exists "identity"."password_reset_token" cascade;`);
  }

}
