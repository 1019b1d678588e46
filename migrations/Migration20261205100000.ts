import { Migration } from '@mikro-orm/migrations';

/**
 * The popularity indexes carry what ranking reads of a candidate (its tags, category or title), so the
 * candidate queries of recommendations are index-only scans: no heap page is visited per candidate.
 */
export class Migration20261205100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index if exists "products_popularity_index";`);
    this.addSql(`create index "products_popularity_index" on "products" ("purchase_count" desc, "created_at" desc) include ("id", "category", "tags");`);
    this.addSql(`drop index if exists "content_items_popularity_index";`);
    this.addSql(`create index "content_items_popularity_index" on "content_items" ("click_count" desc, "created_at" desc) include ("id", "tags");`);
    this.addSql(`drop index if exists "mission_templates_popularity_index";`);
    this.addSql(`create index "mission_templates_popularity_index" on "mission_templates" ("mission_count" desc, "created_at" desc) include ("id", "category", "title");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "products_popularity_index";`);
    this.addSql(`create index "products_popularity_index" on "products" ("purchase_count" desc, "created_at" desc);`);
    this.addSql(`drop index if exists "content_items_popularity_index";`);
    this.addSql(`create index "content_items_popularity_index" on "content_items" ("click_count" desc, "created_at" desc);`);
    this.addSql(`drop index if exists "mission_templates_popularity_index";`);
    this.addSql(`create index "mission_templates_popularity_index" on "mission_templates" ("mission_count" desc, "created_at" desc);`);
  }

}
