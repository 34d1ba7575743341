import { Migration } from '@mikro-orm/migrations';

export class Migration20261122044258_availability extends Migration {

  override name = 'Migration20261122044258_availability';

  override up(): void | Promise<void> {
    this.addSql(`alter table "doctors"."doctor" add "weekly_hours" jsonb null, add "time_off" jsonb not null default '[]';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "doctors"."doctor" drop column "weekly_hours", drop column "time_off";`);
  }

}
