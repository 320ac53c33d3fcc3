-- Unread counts without reading message rows (issue 17): a room's unread count for a member is
-- (last_seq - read_seq) minus the deleted messages after the read marker. It rests on two invariants the
-- writes keep: seqs are gapless per room (bumpSeq and the insert share one savepoint), and a member's own
-- messages are never after their read marker (a post moves the author's marker to it; joining starts the
-- marker at last_seq). Only deleted messages are in this index, so a post does not pay for it.
CREATE INDEX messages_deleted ON messages (room_id, seq) WHERE deleted = 1;
