// The README's Security model table is the user's reference for POD_POLICY names: it must list every rule.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { POLICY_EXCEPTIONS } from '../../functions/_shared/core/policy.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Security model'), readme.indexOf('## Running it in production'));

t.test('when a rule can be named in POD_POLICY, then the README security table lists it', async (t) => {
  t.ok(section.length > 0, 'the README has a Security model section');
  for (const name of [...POLICY_EXCEPTIONS, 'references', 'malformed']) t.match(section, `| \`${name}\` |`, name);
});
