import { Migration } from '@mikro-orm/migrations';

export class Migration20261122042912_care_relationships extends Migration {

  override name = 'Migration20261122042912_care_relationships';

  override up(): void | Promise<void> {
    this.addSql(`create table "patients"."care_relationship" ("doctor_id" uuid not null, "patient_id" uuid not null, "since" timestamptz not null, primary key ("doctor_id", "patient_id"));`);
    this.addSql(`create index "care_relationship_patient_idx" on "patients"."care_relationship" ("patient_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "patients"."care_relationship" cascade;`);
  }

}
