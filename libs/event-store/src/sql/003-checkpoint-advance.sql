-- Moves a consumer's checkpoint from where the consumer left it to a new position, or raises
-- GAC01 when the row holds something else (a rebuild reset it meanwhile). Raising rather than
-- returning false lets a consumer send it with COMMIT in one round trip: the error skips the
-- COMMIT and the batch's read-model writes roll back with it.
create or replace function genaug_advance_checkpoint(p_consumer text, p_from_tx xid8, p_from_pos bigint, p_to_tx xid8, p_to_pos bigint)
returns void language plpgsql as $$
begin
  update genaug_checkpoints set transaction_id = p_to_tx, global_position = p_to_pos, updated_at = now()
    where consumer = p_consumer and transaction_id = p_from_tx and global_position = p_from_pos;
  if not found then
    raise exception 'checkpoint of % was moved by someone else', p_consumer using errcode = 'GAC01';
  end if;
end $$;
