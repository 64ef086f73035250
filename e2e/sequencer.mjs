import sequencerModule from '@jest/test-sequencer';

// A CommonJS module with an ES-style default export.
const Sequencer = sequencerModule.default ?? sequencerModule;

/** Jest's own order (failed first, then slowest first), except that the e2e project's files run last. */
export default class E2eLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const isE2e = (test) => test.context.config.displayName?.name === 'e2e';
    return [...sorted.filter((test) => !isE2e(test)), ...sorted.filter(isE2e)];
  }
}
