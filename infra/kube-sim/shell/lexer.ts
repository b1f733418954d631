// Tokens of the simulated shell: words (with their quoting and expansions kept apart, so the interpreter can
// expand and split them as sh does), operators and redirections. Command substitution parses its script
// through the parser handed in, so `$(...)` nests.
import { IncompleteInput, ShellSyntaxError, type List, type Part, type Word } from './ast.js';

export type Token =
  | { t: 'word'; word: Word; plain?: string }
  | { t: 'op'; v: ';' | '&&' | '||' | '|' | '&' | '\n' | '(' | ')' }
  | { t: 'redir'; fd: number; op: '>' | '>>' | '<' | '>&' }
  | { t: 'eof' };

/** Parses a nested script from `pos` up to the closing parenthesis; returns it and the index after the ')'. */
export type SubParser = (input: string, pos: number) => { list: List; end: number };

type ParamOp = NonNullable<Extract<Part, { kind: 'param' }>['op']>;

const OPERATOR_CHARS = new Set([';', '&', '|', '(', ')', '<', '>', '\n']);
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

export class Lexer {
  pos = 0;
  private peeked: Token | undefined;

  constructor(readonly input: string, private readonly sub: SubParser, start = 0) {
    this.pos = start;
  }

  peek(): Token {
    this.peeked ??= this.read();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private read(): Token {
    const s = this.input;
    for (;;) {
      while (this.pos < s.length && (s[this.pos] === ' ' || s[this.pos] === '\t')) this.pos++;
      if (s.startsWith('\\\n', this.pos)) {
        this.pos += 2;
        continue;
      }
      if (s[this.pos] === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
        continue;
      }
      break;
    }
    if (this.pos >= s.length) return { t: 'eof' };
    const c = s[this.pos]!;
    const two = s.slice(this.pos, this.pos + 2);
    if (two === '&&' || two === '||') {
      this.pos += 2;
      return { t: 'op', v: two };
    }
    if (two === '>>') {
      this.pos += 2;
      return { t: 'redir', fd: 1, op: '>>' };
    }
    if (two === '>&') {
      this.pos += 2;
      return { t: 'redir', fd: 1, op: '>&' };
    }
    if (two === '<<') throw new ShellSyntaxError('syntax error: here-documents are not supported');
    if (c === '>' || c === '<') {
      this.pos++;
      return { t: 'redir', fd: c === '<' ? 0 : 1, op: c };
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')' || c === '\n') {
      this.pos++;
      return { t: 'op', v: c };
    }
    // A redirection with an explicit descriptor: 2>file, 2>&1, 1>>log.
    const fd = /^(\d)(>>|>&|>|<)/.exec(s.slice(this.pos, this.pos + 3));
    if (fd) {
      this.pos += fd[0].length;
      return { t: 'redir', fd: Number(fd[1]), op: fd[2] as '>' | '>>' | '<' | '>&' };
    }
    const start = this.pos;
    const word = this.readWord('plain');
    const raw = s.slice(start, this.pos);
    const plain = word.every((p) => p.kind === 'lit' && !p.quoted) ? raw : undefined;
    return { t: 'word', word, plain };
  }

  /** A word: 'plain' ends at blanks and operators; 'brace' (inside ${...}) ends at the closing brace. */
  private readWord(mode: 'plain' | 'brace'): Word {
    const s = this.input;
    const parts: Part[] = [];
    let lit = '';
    const flush = (quoted: boolean) => {
      if (lit) parts.push({ kind: 'lit', text: lit, quoted });
      lit = '';
    };
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (mode === 'plain' && (c === ' ' || c === '\t' || OPERATOR_CHARS.has(c))) break;
      if (mode === 'brace' && c === '}') break;
      if (c === '\\') {
        if (this.pos + 1 >= s.length) throw new IncompleteInput();
        if (s[this.pos + 1] !== '\n') {
          flush(false);
          parts.push({ kind: 'lit', text: s[this.pos + 1]!, quoted: true });
        }
        this.pos += 2;
      } else if (c === "'") {
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) throw new IncompleteInput();
        flush(false);
        parts.push({ kind: 'lit', text: s.slice(this.pos + 1, end), quoted: true });
        this.pos = end + 1;
      } else if (c === '"') {
        flush(false);
        this.pos++;
        parts.push(...this.readDoubleQuoted());
      } else if (c === '$' || c === '`') {
        const expansion = this.readExpansion(false);
        if (expansion) {
          flush(false);
          parts.push(expansion);
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush(false);
    return parts;
  }

  private readDoubleQuoted(): Part[] {
    const s = this.input;
    const parts: Part[] = [];
    let lit = '';
    for (;;) {
      if (this.pos >= s.length) throw new IncompleteInput();
      const c = s[this.pos]!;
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === '\\' && '$`"\\\n'.includes(s[this.pos + 1] ?? '')) {
        if (s[this.pos + 1] !== '\n') lit += s[this.pos + 1];
        this.pos += 2;
      } else if (c === '$' || c === '`') {
        const expansion = this.readExpansion(true);
        if (expansion) {
          if (lit) parts.push({ kind: 'lit', text: lit, quoted: true });
          lit = '';
          parts.push(expansion);
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += c;
        this.pos++;
      }
    }
    // "" is an empty word, not no word.
    if (lit || parts.length === 0) parts.push({ kind: 'lit', text: lit, quoted: true });
    return parts;
  }

  /** $NAME, ${...}, $?, $(...), `...`; undefined when the $ is literal. */
  private readExpansion(quoted: boolean): Part | undefined {
    const s = this.input;
    if (s[this.pos] === '`') {
      const end = s.indexOf('`', this.pos + 1);
      if (end < 0) throw new IncompleteInput();
      const { list } = this.sub(`${s.slice(this.pos + 1, end)})`, 0);
      this.pos = end + 1;
      return { kind: 'subst', script: list, quoted };
    }
    const next = s[this.pos + 1];
    if (next === '(') {
      const { list, end } = this.sub(s, this.pos + 2);
      this.pos = end;
      return { kind: 'subst', script: list, quoted };
    }
    if (next === '{') {
      this.pos += 2;
      let op: '#' | undefined;
      if (s[this.pos] === '#' && s[this.pos + 1] !== '}') {
        op = '#';
        this.pos++;
      }
      NAME.lastIndex = this.pos;
      const m = NAME.exec(s) ?? /^[0-9?#$@*]/.exec(s.slice(this.pos));
      if (!m) throw new ShellSyntaxError('syntax error: bad substitution');
      const name = m[0];
      this.pos += name.length;
      const opm = /^(:-|:=|:\+|-|=|\+)/.exec(s.slice(this.pos));
      let arg: Word | undefined;
      let which: ParamOp | undefined = op;
      if (opm) {
        which = opm[1] as ParamOp;
        this.pos += opm[1]!.length;
        arg = this.readWord('brace');
      }
      if (s[this.pos] !== '}') {
        if (this.pos >= s.length) throw new IncompleteInput();
        throw new ShellSyntaxError('syntax error: bad substitution');
      }
      this.pos++;
      return { kind: 'param', name, op: which, arg, quoted };
    }
    if (next !== undefined && '?$#@*!0123456789'.includes(next)) {
      this.pos += 2;
      return { kind: 'param', name: next, quoted };
    }
    NAME.lastIndex = this.pos + 1;
    const m = NAME.exec(s);
    if (!m) return undefined;
    this.pos += 1 + m[0].length;
    return { kind: 'param', name: m[0], quoted };
  }
}
