// The simulator answers with the same Status errors podferry's webhook does: one definition, in the pure
// core (Kubernetes API vocabulary, no syncer logic), so neither side imports the other's internals.
export * from '../../functions/_shared/core/kube-status.js';
