import t from 'tap';
import { invalid, notFound, tooManyRequests, staleObject } from '../../infra/kube-sim/errors.js';

t.test('when a pod is missing, then the Status names the resource plural and the name', async (t) => {
  const err = notFound('pods', '', 'web');
  t.equal(err.code, 404);
  t.match(err.status, { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "web" not found', details: { name: 'web', kind: 'pods' } });
});

t.test('when a group resource conflicts, then the message qualifies the plural with the group', async (t) => {
  const err = staleObject('validatingwebhookconfigurations', 'admissionregistration.k8s.io', 'podferry');
  t.equal(err.status.message, 'Operation cannot be fulfilled on validatingwebhookconfigurations.admissionregistration.k8s.io "podferry": the object has been modified; please apply your changes to the latest version and try again');
});

t.test('when validation fails on one or many fields, then the message lists them like field.ErrorList', async (t) => {
  const one = invalid('Pod', '', 'p', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
  t.equal(one.status.message, 'Pod "p" is invalid: spec.containers: Required value');
  const two = invalid('Pod', '', 'p', [
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' },
    { reason: 'FieldValueInvalid', message: 'Invalid value: "A"', field: 'metadata.name' },
  ]);
  t.equal(two.status.message, 'Pod "p" is invalid: [spec.containers: Required value, metadata.name: Invalid value: "A"]');
});

t.test('when rate limited, then the Status and a header both carry Retry-After', async (t) => {
  const err = tooManyRequests(2);
  t.equal(err.code, 429);
  t.equal(err.headers['Retry-After'], '2');
  t.equal(err.status.details?.retryAfterSeconds, 2);
});
