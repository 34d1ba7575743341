import { Migration } from '@mikro-orm/migrations';

export class Migration20261202055825_department_name_search_indexes extends Migration {

  override name = 'Migration20261202055825_department_name_search_indexes';

  override up(): void | Promise<void> {
    // Added by hand: the trigram operator class comes from pg_trgm (created once per database; another subgraph's
    // migration may be creating it at the same moment).
    this.addSql(`do $$ begin create extension if not exists pg_trgm; exception when unique_violation or duplicate_object then null; end $$;`);
    this.addSql(`drop index "doctors"."doctor_department_idx";`);
    this.addSql(`create index "doctor_department_name_idx" on "doctors"."doctor" ("department_id", "family_name", "given_name", "id");`);
    this.addSql(`create index "doctor_name_trgm_idx" on "doctors"."doctor" using gin ("given_name" gin_trgm_ops, "family_name" gin_trgm_ops);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "doctors"."doctor_department_name_idx";`);
    this.addSql(`drop index "doctors"."doctor_name_trgm_idx";`);
    this.addSql(`create index "doctor_department_idx" on "doctors"."doctor" ("department_id");`);
  }

}
