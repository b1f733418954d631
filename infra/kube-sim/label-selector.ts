// metav1.LabelSelector as the workload APIs and controllers use it: matching labels (a missing selector
// matches nothing, an empty one everything), the string form printers and Scale show, and the Go `%#v`
// rendering that validation messages embed.
import { labelSelectorFromObject, matchLabelSelector, type LabelRequirement } from './selectors.js';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** The requirements, or undefined when the selector cannot be parsed (the real converter's error). */
export function selectorRequirements(sel: LabelSelector | undefined): LabelRequirement[] | undefined {
  try {
    return labelSelectorFromObject(sel);
  } catch {
    return undefined;
  }
}

/** Parses once, for matching many objects. */
export function selectorMatcher(sel: LabelSelector | undefined): (labels: Record<string, string> | undefined) => boolean {
  const reqs = sel ? selectorRequirements(sel) : undefined;
  return (labels) => !!reqs && matchLabelSelector(reqs, labels ?? {});
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return selectorMatcher(sel)(labels);
}

export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return !sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)`, sorted by key; `<none>` when it selects everything. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  const reqs = selectorRequirements(sel);
  if (!reqs) return '<error>';
  const parts = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => {
    const values = [...r.values].sort();
    switch (r.operator) {
      case '=': return `${r.key}=${values[0]}`;
      case '!=': return `${r.key}!=${values[0]}`;
      case 'in': return `${r.key} in (${values.join(',')})`;
      case 'notin': return `${r.key} notin (${values.join(',')})`;
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      default: return `${r.key}${r.operator === 'gt' ? '>' : '<'}${values[0]}`;
    }
  });
  return parts.length ? parts.join(',') : '<none>';
}

/** Go's %#v of map[string]string: keys sorted, `map[string]string(nil)` when absent. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  return `map[string]string{${Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(', ')}}`;
}

/** Go's %#v of a v1.LabelSelector, as `field is immutable` and `empty selector` messages print it. */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return 'null';
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions.map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${e.values ? `[]string{${e.values.map((v) => JSON.stringify(v)).join(', ')}}` : '[]string(nil)'}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}
