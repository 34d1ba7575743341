import { Migration } from '@mikro-orm/migrations';

export class Migration20261202055915_email_search_index extends Migration {

  override name = 'Migration20261202055915_email_search_index';

  override up(): void | Promise<void> {
    // Added by hand: the trigram operator class comes from pg_trgm (created once per database; another subgraph's
    // migration may be creating it at the same moment).
    this.addSql(`do $$ begin create extension if not exists pg_trgm; exception when unique_violation or duplicate_object then null; end $$;`);
    this.addSql(`create index "user_account_email_trgm_idx" on "identity"."user_account" using gin ("email" gin_trgm_ops);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "identity"."user_account_email_trgm_idx";`);
  }

}
