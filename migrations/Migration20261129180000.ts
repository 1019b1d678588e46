import { Migration } from '@mikro-orm/migrations';

/**
 * Role grants and changes are kept at least 3 years (SPEC 10) while the rest
 * of the access log goes after 2. The chain is removed only as a prefix, so
 * the purge stops before the oldest role change still inside its 3 years:
 * entries after it wait (at most a year longer) rather than break the chain.
 */
export class Migration20261129180000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create or replace function purge_access_log(retain interval default interval '2 years') returns integer language plpgsql as $$
      declare
        last_sequence integer;
        last_hash text;
        removed integer;
        first_kept_role_change integer;
      begin
        if retain < interval '2 years' then
          raise exception 'access log entries are kept at least 2 years';
        end if;
        perform 1 from access_log_head where id = 1 for update;
        select min(sequence) into first_kept_role_change from access_log
          where action = 'UPDATE' and 'role' = any(fields) and at >= now() - interval '3 years';
        select sequence, hash into last_sequence, last_hash from access_log
          where at < now() - retain and (first_kept_role_change is null or sequence < first_kept_role_change)
          order by sequence desc limit 1;
        if last_sequence is null then
          return 0;
        end if;
        perform set_config('aimex.access_log_retention', 'on', true);
        delete from access_log where sequence <= last_sequence;
        get diagnostics removed = row_count;
        update access_log_head set checkpoint_sequence = last_sequence, checkpoint_hash = last_hash where id = 1;
        perform set_config('aimex.access_log_retention', 'off', true);
        return removed;
      end $$;`);
    this.addSql(`create index access_log_role_changes on access_log (sequence) where action = 'UPDATE' and 'role' = any(fields);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists access_log_role_changes;');
  }
}
