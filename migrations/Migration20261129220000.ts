import { Migration } from '@mikro-orm/migrations';

export class Migration20261129220000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "health_profiles" ("user_id" uuid not null, "height_cm_enc" bytea null, "weight_kg_enc" bytea null, "activity_level_enc" bytea null, "goals_enc" bytea null, "conditions_enc" bytea null, "updated_at" timestamptz not null, constraint "health_profiles_pkey" primary key ("user_id"));`);

    this.addSql(`create table "mission_templates" ("id" uuid not null, "organization_id" uuid null, "title" text not null, "description" text not null, "category" text check ("category" in ('STEPS', 'HYDRATION', 'SLEEP', 'EXERCISE', 'NUTRITION', 'MINDFULNESS')) not null, "target_value" double precision not null, "unit" text not null, "duration_days" int not null, "coach_model_id" uuid null, "created_at" timestamptz not null, constraint "mission_templates_pkey" primary key ("id"));`);
    this.addSql(`create index "mission_templates_created_at_index" on "mission_templates" ("created_at");`);

    this.addSql(`create table "missions" ("id" uuid not null, "user_id" uuid not null, "template_id" uuid not null, "status" text check ("status" in ('ACTIVE', 'COMPLETED', 'ABANDONED', 'EXPIRED', 'PAUSED')) not null default 'ACTIVE', "start_date" text not null, "end_date" text not null, "last_coaching_id" uuid null, "created_at" timestamptz not null, constraint "missions_pkey" primary key ("id"));`);
    this.addSql(`create index "missions_user_id_created_at_index" on "missions" ("user_id", "created_at");`);

    this.addSql(`create table "mission_check_ins" ("id" uuid not null, "mission_id" uuid not null, "user_id" uuid not null, "date" text not null, "value_enc" bytea not null, "note_enc" bytea null, "created_at" timestamptz not null, constraint "mission_check_ins_pkey" primary key ("id"));`);
    this.addSql(`create index "mission_check_ins_user_id_index" on "mission_check_ins" ("user_id");`);
    this.addSql(`alter table "mission_check_ins" add constraint "mission_check_ins_mission_id_date_unique" unique ("mission_id", "date");`);

    this.addSql(`alter table "mission_templates" add constraint "mission_templates_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "missions" add constraint "missions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "missions" add constraint "missions_template_id_foreign" foreign key ("template_id") references "mission_templates" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mission_check_ins" add constraint "mission_check_ins_mission_id_foreign" foreign key ("mission_id") references "missions" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "missions" drop constraint "missions_template_id_foreign";`);

    this.addSql(`alter table "mission_check_ins" drop constraint "mission_check_ins_mission_id_foreign";`);

    this.addSql(`drop table if exists "health_profiles" cascade;`);

    this.addSql(`drop table if exists "mission_templates" cascade;`);

    this.addSql(`drop table if exists "missions" cascade;`);

    this.addSql(`drop table if exists "mission_check_ins" cascade;`);
  }

}
