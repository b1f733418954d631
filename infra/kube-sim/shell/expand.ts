// Word expansion as sh does it, in order: parameters and command substitutions, field splitting of what was
// expanded unquoted, then pathname expansion (* and ?) against the container's filesystem.
import type { List, Part, Word } from './ast.js';
import { normalizePath, type SimFs } from '../container-runtime/filesystem.js';
import type { ShellState } from './state.js';

export interface Expander {
  state: ShellState;
  fs: SimFs;
  /** Runs a command substitution and returns its output. */
  capture(list: List): Promise<string>;
}

/** A parameter's value; undefined when unset. */
export function paramValue(state: ShellState, name: string): string | undefined {
  switch (name) {
    case '?': return String(state.lastStatus);
    case '$': return '1';
    case '!': return '';
    case '#': return String(state.positional.length);
    case '@': case '*': return state.positional.join(' ');
    case '0': return state.name;
    default:
      if (/^\d$/.test(name)) return state.positional[Number(name) - 1];
      return state.vars.get(name);
  }
}

async function expandParam(ex: Expander, p: Extract<Part, { kind: 'param' }>): Promise<string> {
  const value = paramValue(ex.state, p.name);
  const word = async () => (p.arg ? (await expandWord(ex, p.arg, false)).join(' ') : '');
  switch (p.op) {
    case '#': return String((value ?? '').length);
    case ':-': return value ? value : word();
    case '-': return value !== undefined ? value : word();
    case ':=': case '=': {
      if (p.op === ':=' ? value : value !== undefined) return value!;
      const v = await word();
      ex.state.vars.set(p.name, v);
      return v;
    }
    case ':+': return value ? word() : '';
    case '+': return value !== undefined ? word() : '';
    default: return value ?? '';
  }
}

const GLOB = /(?<!\\)[*?]/;

function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Paths matching a pattern, segment by segment; dotfiles only when the segment starts with a dot. */
function glob(fs: SimFs, cwd: string, pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  let matches: string[] = [absolute ? '/' : ''];
  for (const seg of pattern.split('/').filter(Boolean)) {
    const next: string[] = [];
    for (const base of matches) {
      const dir = normalizePath(cwd, base || '.');
      if (!GLOB.test(seg)) {
        const candidate = base ? (base.endsWith('/') ? base + seg.replace(/\\(.)/g, '$1') : `${base}/${seg.replace(/\\(.)/g, '$1')}`) : seg.replace(/\\(.)/g, '$1');
        if (fs.stat(normalizePath(cwd, candidate))) next.push(candidate);
        continue;
      }
      let names: string[] = [];
      try {
        names = fs.list(dir);
      } catch {
        continue;
      }
      const re = globRegex(seg);
      for (const n of names) if (re.test(n) && (!n.startsWith('.') || seg.startsWith('.'))) next.push(base ? (base.endsWith('/') ? base + n : `${base}/${n}`) : n);
    }
    matches = next;
  }
  return matches.sort();
}

/**
 * The fields of a word. `split` is off for assignments and redirection targets, which expand to one string.
 */
export async function expandWord(ex: Expander, word: Word, split = true): Promise<string[]> {
  const fields: Array<{ text: string; pattern: string; real: boolean }> = [];
  let cur = { text: '', pattern: '', real: false };
  const escape = (s: string) => s.replace(/[\\*?]/g, '\\$&');
  for (const part of word) {
    let value: string;
    if (part.kind === 'lit') {
      cur.text += part.text;
      cur.pattern += part.quoted ? escape(part.text) : part.text;
      cur.real = true;
      continue;
    }
    if (part.kind === 'param' && part.name === '@' && part.quoted && !part.op && split) {
      // "$@": one field per positional parameter.
      ex.state.positional.forEach((arg, i) => {
        if (i > 0) {
          fields.push(cur);
          cur = { text: '', pattern: '', real: true };
        }
        cur.text += arg;
        cur.pattern += escape(arg);
        cur.real = true;
      });
      continue;
    }
    value = part.kind === 'param' ? await expandParam(ex, part) : (await ex.capture(part.script)).replace(/\n+$/, '');
    if (part.quoted || !split) {
      cur.text += value;
      cur.pattern += escape(value);
      cur.real = true;
      continue;
    }
    const pieces = value.split(/[ \t\n]+/);
    pieces.forEach((piece, i) => {
      if (i > 0 && (cur.real || cur.text)) {
        fields.push(cur);
        cur = { text: '', pattern: '', real: false };
      }
      if (piece) {
        cur.text += piece;
        cur.pattern += piece;
        cur.real = true;
      }
    });
  }
  if (cur.real || cur.text) fields.push(cur);
  if (!split) return [fields.map((f) => f.text).join(' ')];
  const out: string[] = [];
  for (const f of fields) {
    if (GLOB.test(f.pattern)) {
      const found = glob(ex.fs, ex.state.cwd, f.pattern);
      if (found.length) {
        out.push(...found);
        continue;
      }
    }
    out.push(f.text);
  }
  return out;
}
