// Label and field selectors as kube-apiserver parses and matches them (apimachinery pkg/labels/selector.go,
// pkg/fields/selector.go): same grammar, same 400 messages, so kubectl -l and client-node list filters behave
// as against a real cluster.
import { badRequest, KubeError } from './errors.js';
import { labelValueErrors, qualifiedNameErrors } from './label-syntax.js';

export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '!=' | 'gt' | 'lt';
export type LabelRequirement = { key: string; operator: LabelOperator; values: string[] };

type Token = { kind: 'id' | 'sym' | 'end'; text: string };

// Longest symbols first: the real scanner reads "!=" and "==" greedily.
const SYMBOLS = ['!=', '==', '!', '=', '(', ')', ',', '>', '<'];
const SPECIAL = new Set(['!', '=', '(', ')', ',', '>', '<']);

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    if (SPECIAL.has(c)) {
      const sym = SYMBOLS.find((x) => s.startsWith(x, i))!;
      tokens.push({ kind: 'sym', text: sym });
      i += sym.length;
      continue;
    }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]) && !/\s/.test(s[j])) j++;
    tokens.push({ kind: 'id', text: s.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class LabelParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}
  private peek(): Token { return this.tokens[this.pos]; }
  private next(): Token { return this.tokens[Math.min(this.pos++, this.tokens.length - 1)]; }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return reqs;
      if (t.kind !== 'id' && t.text !== '!') throw new Error(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (err) {
        throw new Error(`unable to parse requirement: ${(err as Error).message}`);
      }
      const sep = this.next();
      if (sep.kind === 'end') return reqs;
      if (sep.text !== ',') throw new Error(`found '${sep.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'id' && after.text !== '!') throw new Error(`found '${after.text}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let t = this.next();
    let negated = false;
    if (t.text === '!' && t.kind === 'sym') { negated = true; t = this.next(); }
    if (t.kind !== 'id') throw new Error(`found '${t.text}', expected: identifier`);
    const key = t.text;
    checkKey(key, '<nil>');
    // "!k=v" parses as "!k" and then fails on "=" as a separator, outside "unable to parse requirement".
    if (negated) return { key, operator: '!', values: [] };
    const la = this.peek();
    if (la.kind === 'end' || la.text === ',') return { key, operator: 'exists', values: [] };
    const op = this.next();
    let operator: LabelOperator;
    if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) operator = op.text;
    else if (op.text === '=' || op.text === '==') operator = '=';
    else if (op.text === '!=') operator = '!=';
    else if (op.text === '>') operator = 'gt';
    else if (op.text === '<') operator = 'lt';
    else throw new Error(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === 'in' || operator === 'notin' ? this.setValues() : [this.exactValue()];
    checkValues(key, operator, values);
    return { key, operator, values };
  }

  private exactValue(): string {
    const la = this.peek();
    if (la.kind === 'end' || la.text === ',') return '';
    const t = this.next();
    if (t.kind === 'id') return t.text;
    throw new Error(`found '${t.text}', expected: identifier`);
  }

  private setValues(): string[] {
    const open = this.next();
    if (open.text !== '(') throw new Error(`found '${open.text}' expected: '('`);
    const la = this.peek();
    if (la.text === ')') { this.next(); return ['']; }
    if (la.kind !== 'id' && la.text !== ',') throw new Error(`found '${la.text}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    let expectValue = true;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'id' && expectValue) { values.add(t.text); this.next(); expectValue = false; continue; }
      if (t.text === ',') { if (expectValue) values.add(''); this.next(); expectValue = true; continue; }
      if (t.text === ')') { if (expectValue) values.add(''); this.next(); break; }
      throw new Error(`found '${t.text}', expected: ',', or identifier`);
    }
    return [...values].sort();
  }
}

function checkKey(key: string, path: string): void {
  const errs = qualifiedNameErrors(key);
  if (errs.length) throw new Error(`${path}: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValues(key: string, operator: LabelOperator, values: string[]): void {
  const msgs: string[] = [];
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((v, i) => {
      if (!/^[+-]?\d+$/.test(v)) msgs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
    });
  }
  values.forEach((v, i) => {
    const errs = labelValueErrors(v);
    if (errs.length) msgs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
  });
  if (msgs.length === 1) throw new Error(msgs[0]);
  if (msgs.length > 1) throw new Error(`[${msgs.join(', ')}]`);
}

/** Parses a labelSelector query parameter; throws KubeError 400 with the real server's message. */
export function parseLabelSelector(s: string): LabelRequirement[] {
  try {
    return new LabelParser(tokenize(s)).parse();
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

export function matchLabelSelector(reqs: LabelRequirement[], labels: Record<string, string> = {}): boolean {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.operator) {
      case 'exists': return has;
      case '!': return !has;
      case '=': return has && v === r.values[0];
      case 'in': return has && r.values.includes(v);
      case '!=': return !has || v !== r.values[0];
      case 'notin': return !has || !r.values.includes(v);
      case 'gt': case 'lt': {
        if (!has || !/^[+-]?\d+$/.test(v)) return false;
        const n = Number(v); const bound = Number(r.values[0]);
        return r.operator === 'gt' ? n > bound : n < bound;
      }
    }
  });
}

type LabelSelectorObject = {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
};

/** metav1.LabelSelectorAsSelector: undefined or {} selects everything. */
export function labelSelectorFromObject(sel?: LabelSelectorObject): LabelRequirement[] {
  if (!sel) return [];
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    reqs.push(checked({ key, operator: '=', values: [value] }));
  }
  for (const expr of sel.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])];
    const ops: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
    const operator = ops[expr.operator];
    if (!operator) throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    if ((operator === 'in' || operator === 'notin') && values.length === 0) {
      throw badRequest(`values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`);
    }
    if ((operator === 'exists' || operator === '!') && values.length > 0) {
      throw badRequest(`values: Invalid value: ${goStrings(values)}: values set must be empty for exists and does not exist`);
    }
    reqs.push(checked({ key: expr.key, operator, values }));
  }
  return reqs;
}

function goStrings(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

function checked(req: LabelRequirement): LabelRequirement {
  try {
    checkKey(req.key, 'key');
    checkValues(req.key, req.operator, req.values);
  } catch (err) {
    throw err instanceof KubeError ? err : badRequest((err as Error).message);
  }
  return req;
}

export { parseFieldSelector, fieldValue, matchFieldSelector } from './field-selectors.js';
export type { FieldRequirement } from './field-selectors.js';
