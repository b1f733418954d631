// resourceVersions are ordered as KEP-5504 says (decimal integers, no leading zeros); anything else cannot
// be ordered, and a cache fed by one stream then takes the later arrival.
import t from 'tap';
import { compareResourceVersions, supersedes } from '../../functions/_shared/core/resource-version.js';

t.test('when two resourceVersions are compared, then integers order numerically and others are incomparable', async (t) => {
  const table: Array<[string | undefined, string | undefined, string]> = [
    ['10', '9', 'newer'],
    ['9', '10', 'older'],
    ['123', '123', 'same'],
    ['18446744073709551615', '18446744073709551614', 'newer'], // beyond 2^53: string order, not floats
    ['100', '099', 'incomparable'], // a leading zero is not an RV this rule knows
    ['abc', '12', 'incomparable'],
    ['abc', 'abc', 'same'],
    ['', '1', 'incomparable'],
    [undefined, '1', 'incomparable'],
    ['0', '1', 'older'],
  ];
  for (const [a, b, want] of table) t.equal(compareResourceVersions(a, b), want, `${a} vs ${b}`);
});

t.test('when a snapshot is offered to a cache, then only a newer or an unorderable one replaces the current one', async (t) => {
  t.equal(supersedes('5', undefined), true, 'nothing stored yet');
  t.equal(supersedes('6', '5'), true);
  t.equal(supersedes('5', '5'), false, 'the same one again');
  t.equal(supersedes('4', '5'), false, 'an older one');
  t.equal(supersedes('b', 'a'), true, 'opaque RVs: the later arrival wins');
});
