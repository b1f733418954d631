import t from 'tap';
import { pino } from 'pino';
import { loggerOptions } from '../../functions/_shared/logger.js';

function capture(level: Parameters<typeof loggerOptions>[0]) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(loggerOptions(level, 'test'), { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

t.test('when secret-looking fields are logged, then they are censored', async (t) => {
  const { log, lines } = capture('info');
  log.info({
    req: { headers: { authorization: 'Bearer s3cret-token', host: 'x' } },
    config: { webhook: { tokens: ['s3cret-token'] } },
    token: 's3cret-token',
    secret: { data: { password: 'aHVudGVyMg==' } },
    event: { requestObject: { spec: 'whole pod' }, responseObject: { spec: 'whole pod' } },
    pod: { namespace: 'default', name: 'web' },
  }, 'logged things');
  const text = JSON.stringify(lines);
  t.notMatch(text, /s3cret-token|aHVudGVyMg|whole pod/);
  t.match(lines[0], { level: 'info', name: 'test', msg: 'logged things', pod: { namespace: 'default', name: 'web' }, req: { headers: { host: 'x', authorization: '[redacted]' } } });
  t.match(String(lines[0].time), /^\d{4}-\d\d-\d\dT/, 'ISO timestamps');
});

t.test('when the level is warn, then info is dropped', async (t) => {
  const { log, lines } = capture('warn');
  log.info('quiet');
  log.warn('loud');
  t.same(lines.map((l) => l.msg), ['loud']);
});
