// `npm run test:cluster` (scripts/cluster/test.sh): the end-to-end suite against the release on
// the local Kubernetes cluster, reached only through kubectl port-forward on 127.0.0.1. Same
// transform and module mapping as jest.config.js; never part of `npm test`. One file at a time
// (--runInBand): the suites delete pods and upgrade the one release they share.
import { common } from './jest.config.js';

export default {
  projects: [{ ...common, displayName: 'cluster', testMatch: ['<rootDir>/services/system-tests/src/cluster/**/*.cluster.test.ts'] }],
  // Per test and per hook: rollouts, pod restarts and helm upgrades take minutes on one node.
  testTimeout: 900_000,
  // The suites are listed in order of what they prove (release, API, faults, upgrade, swap).
  testSequencer: '<rootDir>/services/system-tests/src/cluster/sequencer.mjs',
};
