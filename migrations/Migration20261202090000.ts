import { Migration } from '@mikro-orm/migrations';

// Recommendation signals kept incrementally: each item's popularity is a
// counter on its row, moved by statement-level triggers in the transaction that
// inserts or deletes what it counts (purchases, CLICKED content feedback,
// missions), purges and erasure included; candidates are read through the
// popularity and tag indexes, never by aggregating those tables per request.
export class Migration20261202090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "products" add column "purchase_count" int not null default 0;`);
    this.addSql(`alter table "content_items" add column "click_count" int not null default 0;`);
    this.addSql(`alter table "mission_templates" add column "mission_count" int not null default 0;`);

    this.addSql(`update "products" p set "purchase_count" = c.n from (select "product_id", count(*)::int as n from "purchases" group by "product_id") c where c."product_id" = p."id";`);
    this.addSql(`update "content_items" i set "click_count" = c.n from (select "item_id", count(*)::int as n from "recommendation_feedback" where "kind" = 'CONTENT' and "action" = 'CLICKED' group by "item_id") c where c."item_id" = i."id";`);
    this.addSql(`update "mission_templates" t set "mission_count" = c.n from (select "template_id", count(*)::int as n from "missions" group by "template_id") c where c."template_id" = t."id";`);

    this.addSql(`create index "products_popularity_index" on "products" ("purchase_count" desc, "created_at" desc);`);
    this.addSql(`create index "products_tags_index" on "products" using gin ("tags");`);
    this.addSql(`create index "products_category_index" on "products" ("category");`);
    this.addSql(`create index "content_items_popularity_index" on "content_items" ("click_count" desc, "created_at" desc);`);
    this.addSql(`create index "content_items_tags_index" on "content_items" using gin ("tags");`);
    this.addSql(`create index "mission_templates_popularity_index" on "mission_templates" ("mission_count" desc, "created_at" desc);`);

    // One statement per triggering statement (transition tables), so a purge deleting a million rows
    // moves each counter once. Rows are summed per item, in item order (no deadlock between two writers).
    this.addSql(`create function "count_purchases"() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update "products" p set "purchase_count" = p."purchase_count" + d.n
      from (select "product_id", count(*)::int as n from new_rows group by "product_id" order by "product_id") d where p."id" = d."product_id";
  else
    update "products" p set "purchase_count" = greatest(0, p."purchase_count" - d.n)
      from (select "product_id", count(*)::int as n from old_rows group by "product_id" order by "product_id") d where p."id" = d."product_id";
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger "purchases_counted_on_insert" after insert on "purchases" referencing new table as new_rows for each statement execute function "count_purchases"();`);
    this.addSql(`create trigger "purchases_counted_on_delete" after delete on "purchases" referencing old table as old_rows for each statement execute function "count_purchases"();`);

    this.addSql(`create function "count_content_clicks"() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update "content_items" i set "click_count" = i."click_count" + d.n
      from (select "item_id", count(*)::int as n from new_rows where "kind" = 'CONTENT' and "action" = 'CLICKED' group by "item_id" order by "item_id") d where i."id" = d."item_id";
  else
    update "content_items" i set "click_count" = greatest(0, i."click_count" - d.n)
      from (select "item_id", count(*)::int as n from old_rows where "kind" = 'CONTENT' and "action" = 'CLICKED' group by "item_id" order by "item_id") d where i."id" = d."item_id";
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger "recommendation_feedback_counted_on_insert" after insert on "recommendation_feedback" referencing new table as new_rows for each statement execute function "count_content_clicks"();`);
    this.addSql(`create trigger "recommendation_feedback_counted_on_delete" after delete on "recommendation_feedback" referencing old table as old_rows for each statement execute function "count_content_clicks"();`);

    this.addSql(`create function "count_missions"() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update "mission_templates" t set "mission_count" = t."mission_count" + d.n
      from (select "template_id", count(*)::int as n from new_rows group by "template_id" order by "template_id") d where t."id" = d."template_id";
  else
    update "mission_templates" t set "mission_count" = greatest(0, t."mission_count" - d.n)
      from (select "template_id", count(*)::int as n from old_rows group by "template_id" order by "template_id") d where t."id" = d."template_id";
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger "missions_counted_on_insert" after insert on "missions" referencing new table as new_rows for each statement execute function "count_missions"();`);
    this.addSql(`create trigger "missions_counted_on_delete" after delete on "missions" referencing old table as old_rows for each statement execute function "count_missions"();`);
  }

  override async down(): Promise<void> {
    for (const [table, name] of [['purchases', 'purchases'], ['recommendation_feedback', 'recommendation_feedback'], ['missions', 'missions']]) {
      this.addSql(`drop trigger if exists "${name}_counted_on_insert" on "${table}";`);
      this.addSql(`drop trigger if exists "${name}_counted_on_delete" on "${table}";`);
    }
    this.addSql(`drop function if exists "count_purchases"();`);
    this.addSql(`drop function if exists "count_content_clicks"();`);
    this.addSql(`drop function if exists "count_missions"();`);
    this.addSql(`drop index if exists "products_popularity_index";`);
    this.addSql(`drop index if exists "products_tags_index";`);
    this.addSql(`drop index if exists "products_category_index";`);
    this.addSql(`drop index if exists "content_items_popularity_index";`);
    this.addSql(`drop index if exists "content_items_tags_index";`);
    this.addSql(`drop index if exists "mission_templates_popularity_index";`);
    this.addSql(`alter table "products" drop column "purchase_count";`);
    this.addSql(`alter table "content_items" drop column "click_count";`);
    this.addSql(`alter table "mission_templates" drop column "mission_count";`);
  }

}
