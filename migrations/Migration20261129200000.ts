import { Migration } from '@mikro-orm/migrations';

export class Migration20261129200000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "influencer_models" ("id" uuid not null, "organization_id" uuid not null, "name" text not null, "description" text null, "persona" jsonb not null, "status" text check ("status" in ('DRAFT', 'TRAINING', 'READY', 'FAILED', 'ARCHIVED')) not null default 'DRAFT', "active_version_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "influencer_models_pkey" primary key ("id"));`);
    this.addSql(`create index "influencer_models_organization_id_created_at_index" on "influencer_models" ("organization_id", "created_at");`);

    this.addSql(`create table "model_versions" ("id" uuid not null, "model_id" uuid not null, "version" int not null, "backend" text check ("backend" in ('LOCAL', 'RUNPOD')) not null, "metrics" jsonb not null, "artifact_key" text not null, "artifact_size_bytes" int not null, "trained_on_dataset_ids" text[] not null, "training_job_id" uuid not null, "created_at" timestamptz not null, constraint "model_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "model_versions" add constraint "model_versions_training_job_id_unique" unique ("training_job_id");`);
    this.addSql(`alter table "model_versions" add constraint "model_versions_model_id_version_unique" unique ("model_id", "version");`);

    this.addSql(`create table "generated_contents" ("id" uuid not null, "model_id" uuid not null, "model_version" int not null, "kind" text check ("kind" in ('POST', 'CAPTION', 'REPLY', 'COACHING')) not null, "text" text not null, "ai_generated" boolean not null default true, "disclosure" text not null, "created_by_id" uuid null, "created_by_api_key_id" uuid null, "created_at" timestamptz not null, constraint "generated_contents_pkey" primary key ("id"));`);
    this.addSql(`create index "generated_contents_model_id_created_at_index" on "generated_contents" ("model_id", "created_at");`);

    this.addSql(`create table "training_jobs" ("id" uuid not null, "model_id" uuid not null, "status" text check ("status" in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')) not null default 'QUEUED', "backend" text check ("backend" in ('LOCAL', 'RUNPOD')) not null, "progress" double precision not null default 0, "attempts" int not null default 0, "error" text null, "dataset_ids" text[] not null, "result_version_id" uuid null, "events" jsonb not null, "cancel_requested" boolean not null default false, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, constraint "training_jobs_pkey" primary key ("id"));`);
    this.addSql(`create index "training_jobs_model_id_created_at_index" on "training_jobs" ("model_id", "created_at");`);

    this.addSql(`alter table "influencer_models" add constraint "influencer_models_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "model_versions" add constraint "model_versions_model_id_foreign" foreign key ("model_id") references "influencer_models" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "generated_contents" add constraint "generated_contents_model_id_foreign" foreign key ("model_id") references "influencer_models" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "training_jobs" add constraint "training_jobs_model_id_foreign" foreign key ("model_id") references "influencer_models" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model_versions" drop constraint "model_versions_model_id_foreign";`);

    this.addSql(`alter table "generated_contents" drop constraint "generated_contents_model_id_foreign";`);

    this.addSql(`alter table "training_jobs" drop constraint "training_jobs_model_id_foreign";`);

    this.addSql(`drop table if exists "influencer_models" cascade;`);

    this.addSql(`drop table if exists "model_versions" cascade;`);

    this.addSql(`drop table if exists "generated_contents" cascade;`);

    this.addSql(`drop table if exists "training_jobs" cascade;`);
  }

}
