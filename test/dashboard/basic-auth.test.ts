import t from 'tap';
import { credentialsChecker, parseBasicAuth } from '../../functions/dashboard/basic-auth.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

t.test('when an Authorization header is parsed, then only a well-formed Basic header yields credentials', async (t) => {
  const table: Array<[string | undefined, unknown]> = [
    [undefined, undefined],
    ['', undefined],
    [`Basic ${b64('admin:pw')}`, { user: 'admin', password: 'pw' }],
    [`basic ${b64('admin:pw')}  `, { user: 'admin', password: 'pw' }],
    [`Basic ${b64('admin:pa:ss')}`, { user: 'admin', password: 'pa:ss' }],
    [`Basic ${b64('admin:')}`, { user: 'admin', password: '' }],
    [`Basic ${b64('ädmin:pässwörd')}`, { user: 'ädmin', password: 'pässwörd' }],
    [`Basic ${b64('nocolon')}`, undefined],
    [`Bearer ${b64('admin:pw')}`, undefined],
    ['Basic not base64!', undefined],
    [`Basic ${b64('a:b')} extra`, undefined],
  ];
  for (const [header, want] of table) t.same(parseBasicAuth(header), want, JSON.stringify(header));
});

t.test('when credentials are checked, then only the exact user and password pass', async (t) => {
  const check = credentialsChecker({ user: 'admin', password: 'a-long-enough-password' });
  const table: Array<[{ user: string; password: string } | undefined, boolean]> = [
    [{ user: 'admin', password: 'a-long-enough-password' }, true],
    [{ user: 'admin', password: 'a-long-enough-passwor' }, false],
    [{ user: 'admin', password: 'a-long-enough-password ' }, false],
    [{ user: 'Admin', password: 'a-long-enough-password' }, false],
    [{ user: '', password: '' }, false],
    [{ user: 'a-long-enough-password', password: 'admin' }, false],
    [undefined, false],
  ];
  for (const [presented, want] of table) t.equal(check(presented), want, JSON.stringify(presented));
});

t.test('when the expected credentials are empty, then a missing header still does not pass', async (t) => {
  t.equal(credentialsChecker({ user: '', password: '' })(undefined), false);
});
