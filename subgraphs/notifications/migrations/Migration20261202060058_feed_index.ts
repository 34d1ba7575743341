import { Migration } from '@mikro-orm/migrations';

export class Migration20261202060058_feed_index extends Migration {

  override name = 'Migration20261202060058_feed_index';

  override up(): void | Promise<void> {
    this.addSql(`drop index "notifications"."notification_recipient_idx";`);
    this.addSql(`create index "notification_feed_idx" on "notifications"."notification" ("audience", "recipient_id", "created_at", "id") where "channel" = 'IN_APP';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "notifications"."notification_feed_idx";`);
    this.addSql(`create index "notification_recipient_idx" on "notifications"."notification" ("recipient_id", "channel", "created_at", "id");`);
  }

}
