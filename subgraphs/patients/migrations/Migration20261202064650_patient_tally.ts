import { Migration } from '@mikro-orm/migrations';

export class Migration20261202064650_patient_tally extends Migration {

  override name = 'Migration20261202064650_patient_tally';

  override up(): void | Promise<void> {
    this.addSql(`create table "patients"."patient_tally" ("archived" boolean not null, "shard" smallint not null, "count" bigint not null, primary key ("archived", "shard"));`);
    // Written by hand: statement-level triggers keep the tally through every insert, delete and archiving of patients
    // (COPY and bulk statements included: one small aggregate per statement), each statement adding its net change
    // to one of 16 shards at random, so that concurrent registrations rarely wait on the same row.
    this.addSql(`create function "patients"."patient_tally_insert"() returns trigger language plpgsql as $$
      begin
        insert into "patients"."patient_tally" ("archived", "shard", "count")
        select "archived", floor(random() * 16)::smallint, "delta" from (
          select "archived", sum("delta") as "delta" from (select "archived_at" is not null as "archived", 1::bigint as "delta" from "added") as "changes" group by "archived"
        ) as "net" where "delta" <> 0
        on conflict ("archived", "shard") do update set "count" = "patient_tally"."count" + excluded."count";
        return null;
      end
    $$;`);
    this.addSql(`create function "patients"."patient_tally_delete"() returns trigger language plpgsql as $$
      begin
        insert into "patients"."patient_tally" ("archived", "shard", "count")
        select "archived", floor(random() * 16)::smallint, "delta" from (
          select "archived", sum("delta") as "delta" from (select "archived_at" is not null as "archived", -1::bigint as "delta" from "removed") as "changes" group by "archived"
        ) as "net" where "delta" <> 0
        on conflict ("archived", "shard") do update set "count" = "patient_tally"."count" + excluded."count";
        return null;
      end
    $$;`);
    this.addSql(`create function "patients"."patient_tally_update"() returns trigger language plpgsql as $$
      begin
        insert into "patients"."patient_tally" ("archived", "shard", "count")
        select "archived", floor(random() * 16)::smallint, "delta" from (
          select "archived", sum("delta") as "delta" from (select "archived_at" is not null as "archived", 1::bigint as "delta" from "added" union all select "archived_at" is not null as "archived", -1::bigint as "delta" from "removed") as "changes" group by "archived"
        ) as "net" where "delta" <> 0
        on conflict ("archived", "shard") do update set "count" = "patient_tally"."count" + excluded."count";
        return null;
      end
    $$;`);
    this.addSql(`create trigger "patient_tally_insert" after insert on "patients"."patient" referencing new table as "added" for each statement execute function "patients"."patient_tally_insert"();`);
    this.addSql(`create trigger "patient_tally_delete" after delete on "patients"."patient" referencing old table as "removed" for each statement execute function "patients"."patient_tally_delete"();`);
    this.addSql(`create trigger "patient_tally_update" after update on "patients"."patient" referencing old table as "removed" new table as "added" for each statement execute function "patients"."patient_tally_update"();`);
    this.addSql(`insert into "patients"."patient_tally" ("archived", "shard", "count") select "archived_at" is not null, 0, count(*) from "patients"."patient" group by 1;`);
  }

  override down(): void | Promise<void> {
    for (const operation of ['insert', 'delete', 'update']) {
      this.addSql(`drop trigger if exists "patient_tally_${operation}" on "patients"."patient";`);
      this.addSql(`drop function if exists "patients"."patient_tally_${operation}"();`);
    }
    this.addSql(`drop table if exists "patients"."patient_tally" cascade;`);
  }

}
