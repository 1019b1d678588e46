import { Migration } from '@mikro-orm/migrations';

/**
 * The access log is append-only in PostgreSQL itself: UPDATE, DELETE and
 * TRUNCATE are rejected by triggers. The only way to remove entries is
 * purge_access_log(), which removes a prefix older than the 2-year retention
 * and records the last removed entry as the checkpoint verification starts from.
 */
export class Migration20261129154500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`insert into access_log_head (id, sequence, hash, checkpoint_sequence, checkpoint_hash) values (1, 0, '${'0'.repeat(64)}', 0, '${'0'.repeat(64)}');`);
    this.addSql(`alter table access_log_head add constraint access_log_head_single_row check (id = 1);`);
    this.addSql(`
      create function access_log_append_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and current_setting('aimex.access_log_retention', true) = 'on'
           and old.at < now() - interval '2 years' then
          return old;
        end if;
        raise exception 'access_log is append-only (% rejected)', tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger access_log_no_change before update or delete on access_log for each row execute function access_log_append_only();`);
    this.addSql(`create trigger access_log_no_truncate before truncate on access_log for each statement execute function access_log_append_only();`);
    this.addSql(`
      create function purge_access_log(retain interval default interval '2 years') returns integer language plpgsql as $$
      declare
        last_sequence integer;
        last_hash text;
        removed integer;
      begin
        if retain < interval '2 years' then
          raise exception 'access log entries are kept at least 2 years';
        end if;
        perform 1 from access_log_head where id = 1 for update;
        select sequence, hash into last_sequence, last_hash from access_log
          where at < now() - retain order by sequence desc limit 1;
        if last_sequence is null then
          return 0;
        end if;
        perform set_config('aimex.access_log_retention', 'on', true);
        delete from access_log where sequence <= last_sequence;
        get diagnostics removed = row_count;
        perform set_config('aimex.access_log_retention', 'off', true);
        update access_log_head set checkpoint_sequence = last_sequence, checkpoint_hash = last_hash where id = 1;
        return removed;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists purge_access_log(interval);');
    this.addSql('drop trigger if exists access_log_no_truncate on access_log;');
    this.addSql('drop trigger if exists access_log_no_change on access_log;');
    this.addSql('drop function if exists access_log_append_only();');
    this.addSql('alter table access_log_head drop constraint if exists access_log_head_single_row;');
    this.addSql('delete from access_log_head;');
  }
}
