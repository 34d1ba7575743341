import { Migration } from '@mikro-orm/migrations';

export class Migration20261202060007_starts_at_id_index extends Migration {

  override name = 'Migration20261202060007_starts_at_id_index';

  override up(): void | Promise<void> {
    this.addSql(`drop index "appointments"."appointment_starts_at_idx";`);
    this.addSql(`create index "appointment_starts_at_idx" on "appointments"."appointment" ("starts_at", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "appointments"."appointment_starts_at_idx";`);
    this.addSql(`create index "appointment_starts_at_idx" on "appointments"."appointment" ("starts_at");`);
  }

}
