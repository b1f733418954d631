// Preloaded into every test process and every process a test starts (through NODE_OPTIONS) when `npm test` runs
// without --coverage (ADR 0016). tap always imports @tapjs/processinfo, whose module hook on Node 20 runs in a
// loader thread and sees every import: about 1.3 CPU-seconds more for a process that loads client-node, bullmq,
// fastify and ioredis. The hook only records which files a process loaded, which coverage needs and nothing else
// in the suite does, so outside coverage its registration is skipped. Everything else tap does is untouched.
import module from 'node:module';

const register = module.register;
const TAP_PROCESSINFO = /[\\/]node_modules[\\/]@tapjs[\\/]processinfo[\\/]/;

module.register = function registerUnlessTapProcessInfo(specifier, parentURL, options) {
  const from = typeof parentURL === 'string' || parentURL instanceof URL ? parentURL : parentURL?.parentURL;
  if (TAP_PROCESSINFO.test(String(from ?? ''))) return;
  return register.call(this, specifier, parentURL, options);
};
