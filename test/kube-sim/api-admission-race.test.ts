// A write whose object changes while its admission webhooks run: the real server's GuaranteedUpdate tries a
// patch (or an unconditional PUT) again on the fresh object, and fails only a write that named the
// resourceVersion it expected.
import t from 'tap';
import { createApi } from '../../infra/kube-sim/api.js';
import { configMaps } from '../../infra/kube-sim/resources.js';
import type { Admission, AdmissionAttributes, KubeObject } from '../../infra/kube-sim/types.js';
import { cmBody, statusOf, wo } from './api-test-helpers.js';

/** Admission that, once, lets another writer change the object while the webhook "is called". */
function racingAdmission(api: ReturnType<typeof createApi>): Admission & { raced: number } {
  const state = { raced: 0 };
  return Object.assign(state, {
    async mutate() {
      return undefined;
    },
    async validate(attrs: AdmissionAttributes) {
      if (attrs.operation !== 'UPDATE' || state.raced > 0 || attrs.object?.metadata.labels?.writer === 'other') return;
      state.raced++;
      await api.patch(configMaps, 'default', attrs.name!, 'merge', { metadata: { labels: { writer: 'other' } } }, wo());
    },
  });
}

t.test('when a patch loses a race during admission, then it is applied again on the fresh object', async (t) => {
  const api = createApi();
  await api.create(configMaps, 'default', cmBody('race'), wo());
  const admission = racingAdmission(api);
  api.setAdmission(admission);
  const { object } = await api.patch(configMaps, 'default', 'race', 'merge', { data: { b: '2' } }, wo());
  t.equal(admission.raced, 1, 'another write happened during admission');
  t.same(object.data, { a: '1', b: '2' }, 'the patch is applied');
  t.equal(object.metadata.labels?.writer, 'other', 'on top of the concurrent write');
});

t.test('when a PUT names its resourceVersion and loses a race during admission, then it is a 409 Conflict', async (t) => {
  const api = createApi();
  const created = await api.create(configMaps, 'default', cmBody('race'), wo());
  const admission = racingAdmission(api);
  api.setAdmission(admission);
  const body = { ...created, data: { a: 'changed' } } as KubeObject;
  const status = await statusOf(api.update(configMaps, 'default', 'race', body, wo()));
  t.equal(status.code, 409);
  t.equal(status.reason, 'Conflict');
});
