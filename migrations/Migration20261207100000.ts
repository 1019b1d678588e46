import { Migration } from '@mikro-orm/migrations';

/**
 * The access log's per-row trigger goes: the statement trigger (Migration20261206100000) already refuses every
 * entry it refused, a sequence at or below the head included (the first entry of a statement must be the head's
 * next, each following one the next again), and one row trigger per entry was a fifth of a 100-entry append.
 * A sequence still present is refused by the primary key (23505) before either trigger runs.
 */
export class Migration20261207100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop trigger if exists access_log_above_head on access_log;');
    this.addSql('drop function if exists access_log_above_head();');
  }

  override async down(): Promise<void> {
    this.addSql(`
      create function access_log_above_head() returns trigger language plpgsql as $$
      declare
        head_sequence bigint;
      begin
        select sequence into head_sequence from access_log_head where id = 1;
        if new.sequence <= head_sequence then
          raise exception 'access_log entry % does not extend the chain head %', new.sequence, head_sequence
            using errcode = 'integrity_constraint_violation';
        end if;
        return new;
      end $$;`);
    this.addSql('create trigger access_log_above_head before insert on access_log for each row execute function access_log_above_head();');
  }
}
