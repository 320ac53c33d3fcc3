/** The two-node suite over the in-process LocalBus and over a dedicated redis-server. */
import type { Broker } from '../../src/broker/broker.ts';
import { LocalBroker, LocalBus } from '../../src/broker/local-broker.ts';
import { RedisBroker } from '../../src/broker/redis-broker.ts';
import { startRedis } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { describeCluster } from './cluster.suite.ts';

describeCluster('a LocalBus', async () => {
  const bus = new LocalBus();
  return { broker: async () => new LocalBroker(bus), cleanup: async () => {} };
});

describeCluster('Redis', async () => {
  const redis = await startRedis();
  return {
    async broker(): Promise<Broker> {
      const broker = new RedisBroker(redis.url);
      await waitFor(() => broker.ping().then(() => true, () => false), 'redis broker connected');
      return broker;
    },
    cleanup: () => redis.stop(),
  };
});
