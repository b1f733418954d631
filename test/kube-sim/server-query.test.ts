import t from 'tap';
import { syncStatusOf } from './api-test-helpers.js';
import { deleteOptions, isWatch, listOptions, watchOptions, writeParams } from '../../infra/kube-sim/query.js';

const q = (s: string) => new URLSearchParams(s);

t.test('when list and watch parameters are given, then they become ListOptions and WatchOptions', async (t) => {
  t.same(listOptions(q('labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dx&limit=5&continue=abc&resourceVersion=7&resourceVersionMatch=NotOlderThan')), {
    labelSelector: 'app=web', fieldSelector: 'metadata.name=x', limit: 5, continue: 'abc', resourceVersion: '7', resourceVersionMatch: 'NotOlderThan',
  });
  t.same(listOptions(q('limit=0&resourceVersion=')), {});
  t.same(watchOptions(q('watch=1&timeoutSeconds=3&allowWatchBookmarks=true&resourceVersion=9')), { resourceVersion: '9', timeoutSeconds: 3, allowWatchBookmarks: true });
  t.equal(isWatch(q('watch=true')), true);
  t.equal(isWatch(q('watch=1')), true);
  t.equal(isWatch(q('watch=false')), false);
  t.equal(isWatch(q('')), false);
});

t.test('when a parameter has a bad value, then the error is the Status the real server answers', async (t) => {
  t.match(syncStatusOf(() => listOptions(q('limit=ten'))), { code: 400, reason: 'BadRequest' });
  t.equal(watchOptions(q('allowWatchBookmarks=maybe')).allowWatchBookmarks, true, 'any value but 0 and false is true, as Convert_Slice_string_To_bool reads it');
  t.match(syncStatusOf(() => listOptions(q('resourceVersionMatch=Exact'))), { code: 422, reason: 'Invalid' });
  t.match(syncStatusOf(() => listOptions(q('resourceVersion=3&resourceVersionMatch=Newest'))), { code: 422 });
  t.match(syncStatusOf(() => writeParams(q('dryRun=Some'))), { code: 400 });
  t.match(syncStatusOf(() => writeParams(q('fieldValidation=Loose'))), { code: 400 });
  t.match(syncStatusOf(() => deleteOptions(q('propagationPolicy=Sideways'), undefined)), { code: 422 });
  t.match(syncStatusOf(() => deleteOptions(q(''), { kind: 'Pod' })), { code: 400 });
});

t.test('when writes carry options, then dryRun, fieldManager and fieldValidation are read', async (t) => {
  t.same(writeParams(q('dryRun=All&fieldManager=kubectl-create&fieldValidation=Strict')), { dryRun: true, fieldManager: 'kubectl-create', fieldValidation: 'Strict' });
  t.same(writeParams(q('')), { dryRun: false });
  t.same(writeParams(q('force=true')), { dryRun: false, force: true });
});

t.test('when DeleteOptions come in the body and the query, then the query wins and both are read', async (t) => {
  t.same(deleteOptions(q(''), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 5, preconditions: { uid: 'u' }, dryRun: ['All'] }),
    { del: { propagationPolicy: 'Background', gracePeriodSeconds: 5, preconditions: { uid: 'u' } }, dryRun: true });
  t.same(deleteOptions(q('gracePeriodSeconds=0&propagationPolicy=Foreground&dryRun=All'), { gracePeriodSeconds: 30 }),
    { del: { gracePeriodSeconds: 0, propagationPolicy: 'Foreground' }, dryRun: true });
  t.same(deleteOptions(q('orphanDependents=false'), undefined), { del: { orphanDependents: false }, dryRun: false });
});
