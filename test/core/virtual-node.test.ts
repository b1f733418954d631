import t from 'tap';
import { virtualNodeFor } from '../../functions/_shared/core/virtual-node.js';

t.test('when the host node\'s address is known, then the virtual node carries it as its InternalIP, as every node does', async (t) => {
  const node = virtualNodeFor('sim-node-2', new Date(0), undefined, '172.18.0.3');
  t.same(node.status?.addresses, [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'sim-node-2.nodes.podferry.local' }]);
  t.same(virtualNodeFor('n.example', new Date(0)).status?.addresses, [{ type: 'Hostname', address: 'n-example.nodes.podferry.local' }]);
});
