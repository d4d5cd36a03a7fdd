import type { StreamsService } from 'nest-realtime-streams';

/**
 * A job that may run more than once (a queue redelivers it after a timeout, a worker dies after writing):
 * each write carries a key made from the job id, so however often the job runs within
 * `idempotency.ttlMs`, the points are added and the notice is sent once, and every run gets the same result.
 * Keys are scoped to the group: two different calls in one group need two keys.
 */
export async function awardPoints(streams: StreamsService, job: { id: string; player: string; points: number }): Promise<number> {
  const league = { stream_name: 'scores', group_id: 'league' };
  const { new_value } = await streams.update<{ points: number }>({
    ...league,
    item_id: job.player,
    ops: [{ type: 'increment', path: 'points', by: job.points }],
    idempotency_key: `award:${job.id}`,
  });
  await streams.send({ ...league, type: 'awarded', data: { player: job.player, points: job.points }, idempotency_key: `notice:${job.id}` });
  return new_value.points;
}
