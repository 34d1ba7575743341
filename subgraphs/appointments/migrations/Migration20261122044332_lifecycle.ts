import { Migration } from '@mikro-orm/migrations';

export class Migration20261122044332_lifecycle extends Migration {

  override name = 'Migration20261122044332_lifecycle';

  override up(): void | Promise<void> {
    this.addSql(`create table "appointments"."doctor_day" ("doctor_id" uuid not null, "day" date not null, "active_count" int not null, primary key ("doctor_id", "day"));`);

    // Edited by hand: the fee columns are filled from the doctors' copy before they become NOT NULL.
    this.addSql(`alter table "appointments"."appointment" add "consultation_fee_amount" int null, add "fee_currency" varchar(3) null, add "reschedule_count" int not null default 0, add "cancellation_band" text null, add "fee_owed_amount" int null, add "rejection_reason" text null, add "imported" boolean not null default false, add "source_system" varchar(200) null, add "source_value" varchar(200) null;`);
    this.addSql(`update "appointments"."appointment" a set "consultation_fee_amount" = d."consultation_fee_amount", "fee_currency" = d."fee_currency" from "appointments"."doctor_replica" d where d."doctor_id" = a."doctor_id";`);
    this.addSql(`update "appointments"."appointment" set "consultation_fee_amount" = 0, "fee_currency" = 'USD' where "consultation_fee_amount" is null;`);
    this.addSql(`alter table "appointments"."appointment" alter column "consultation_fee_amount" set not null, alter column "fee_currency" set not null;`);
    this.addSql(`alter table "appointments"."appointment" add constraint "appointment_source_key" unique ("source_system", "source_value");`);
    this.addSql(`alter table "appointments"."appointment" add constraint "appointment_cancellation_band_check" check ("cancellation_band" in ('FREE', 'LATE'));`);

    this.addSql(`alter table "appointments"."doctor_replica" add "weekly_hours" jsonb null, add "time_off" jsonb not null default '[]';`);

    this.addSql(`alter table "appointments"."doctor_day" add constraint "doctor_day_active_count_check" check ("active_count" >= 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "appointments"."doctor_day" cascade;`);

    this.addSql(`alter table "appointments"."appointment" drop constraint "appointment_source_key";`);
    this.addSql(`alter table "appointments"."appointment" drop constraint "appointment_cancellation_band_check";`);
    this.addSql(`alter table "appointments"."appointment" drop column "consultation_fee_amount", drop column "fee_currency", drop column "reschedule_count", drop column "cancellation_band", drop column "fee_owed_amount", drop column "rejection_reason", drop column "imported", drop column "source_system", drop column "source_value";`);

    this.addSql(`alter table "appointments"."doctor_replica" drop column "weekly_hours", drop column "time_off";`);
  }

}
