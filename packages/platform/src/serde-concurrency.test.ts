// Regression: `make up` starts four services at once against a fresh registry; each registers
// every subject, and the losers of the race to create a subject's compatibility rule got a 409.
import { describe, expect, it } from 'vitest';
import { createSerde } from './serde.ts';
import { TOPICS } from './events.ts';
import { testInfra, uniqueName } from '../../../test/support/isolation.ts';

describe('serde registration', () => {
  it('succeeds when several services register the same new subjects at the same time', async () => {
    const topicPrefix = `${uniqueName('race')}.`;
    const serdes = Array.from({ length: 6 }, () =>
      createSerde({ registryUrl: testInfra().registryUrl, topics: [...TOPICS], topicPrefix }),
    );
    await Promise.all(serdes.map((serde) => serde.init()));
    const ids = serdes.map((serde) => TOPICS.map((topic) => serde.schemaId(topic)));
    expect(new Set(ids.map((row) => row.join(','))).size).toBe(1);
  });
});
