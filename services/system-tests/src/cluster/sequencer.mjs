// The cluster suites run in this order, each on what the previous one proved: the release is
// as declared, sign-in holds, its API works, then faults, a rolling upgrade and a broker swap on the live release.
import Sequencer from '@jest/test-sequencer';

const ORDER = ['release', 'signin', 'api', 'faults', 'upgrade', 'swap'];
const rank = (path) => {
  const i = ORDER.findIndex((name) => path.endsWith(`/${name}.cluster.test.ts`));
  return i < 0 ? ORDER.length : i;
};

export default class ClusterSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}
