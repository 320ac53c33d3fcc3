/**
 * The Broker contract on Redis: a dedicated redis-server on a free port, each
 * cluster on its own channel. The outage behaviour is Redis-specific and lives in
 * test/cluster/redis-broker.test.ts.
 */
import { Redis } from 'ioredis';
import { RedisBroker } from '../../src/broker/redis-broker.ts';
import { startRedis } from '../helpers/cluster.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { describeBroker } from './broker.contract.ts';

describeBroker('redis', async () => {
  const redis = await startRedis();
  /** A plain client beside the brokers: it counts subscribers and writes raw text on a channel. */
  const raw = new Redis(redis.url);
  const made: RedisBroker[] = [];
  return {
    async cluster(n) {
      const channel = `natter:contract:${uniq('c')}`;
      const brokers = Array.from({ length: n }, () => new RedisBroker(redis.url, { channel }));
      made.push(...brokers);
      await Promise.all(brokers.map((b) => waitFor(() => b.ping().then(() => true, () => false), 'broker connected')));
      // ping() tells that both connections are up, not that SUBSCRIBE was answered: wait until Redis counts every subscriber.
      await waitFor(async () => Number((await raw.pubsub('NUMSUB', channel))[1]) === n, `${n} subscribers on ${channel}`);
      return { brokers, injectRaw: async (text: string) => void (await raw.publish(channel, text)) };
    },
    async cleanup() {
      await Promise.all(made.map((b) => b.close()));
      raw.disconnect();
      await redis.stop();
    },
  };
});
