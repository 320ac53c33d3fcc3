/** The Broker contract on the in-process LocalBus: each cluster is a fresh bus shared by its brokers. */
import { LocalBroker, LocalBus } from '../../src/broker/local-broker.ts';
import { describeBroker } from './broker.contract.ts';

describeBroker('local', async () => {
  const made: LocalBroker[] = [];
  return {
    async cluster(n) {
      const bus = new LocalBus();
      const brokers = Array.from({ length: n }, () => new LocalBroker(bus));
      made.push(...brokers);
      return { brokers };
    },
    async cleanup() {
      await Promise.all(made.map((b) => b.close()));
    },
  };
});
