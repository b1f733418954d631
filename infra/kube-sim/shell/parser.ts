// The simulated shell's parser: recursive descent over the lexer's tokens into ast.ts shapes. Input that
// stops inside a construct throws IncompleteInput (an interactive shell then reads another line); anything
// else unexpected throws ShellSyntaxError with busybox's wording.
import { IncompleteInput, ShellSyntaxError, type AndOr, type Command, type List, type Pipeline, type Redirect, type Word } from './ast.js';
import { Lexer, type Token } from './lexer.js';

const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'do', 'done', 'for', 'in', '{', '}', '!']);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

function describe(t: Token): string {
  if (t.t === 'eof') return 'end of file';
  if (t.t === 'op') return t.v === '\n' ? 'newline' : t.v;
  if (t.t === 'redir') return t.op;
  return t.plain ?? 'word';
}

class Parser {
  readonly lex: Lexer;

  constructor(input: string, start = 0) {
    this.lex = new Lexer(input, (text, pos) => {
      const p = new Parser(text, pos);
      const list = p.list(new Set([')']));
      const close = p.lex.next();
      if (close.t === 'eof') throw new IncompleteInput();
      if (close.t !== 'op' || close.v !== ')') throw p.unexpected(close);
      return { list, end: p.lex.pos };
    }, start);
  }

  unexpected(t: Token): Error {
    if (t.t === 'eof') return new IncompleteInput();
    return new ShellSyntaxError(`syntax error: unexpected ${JSON.stringify(describe(t))}`);
  }

  private isWord(t: Token, w: string): boolean {
    return t.t === 'word' && t.plain === w;
  }

  private skipNewlines(): void {
    while (this.lex.peek().t === 'op' && (this.lex.peek() as { v: string }).v === '\n') this.lex.next();
  }

  private expectWord(w: string): void {
    this.skipNewlines();
    const t = this.lex.next();
    if (!this.isWord(t, w)) throw this.unexpected(t);
  }

  /** and-or lists separated by ; & or newlines, up to EOF, ')' or one of the closing reserved words. */
  list(stops: Set<string>): List {
    const out: List = [];
    for (;;) {
      this.skipNewlines();
      const t = this.lex.peek();
      if (t.t === 'eof') return out;
      if (t.t === 'op' && t.v === ')' && stops.has(')')) return out;
      if (t.t === 'word' && t.plain !== undefined && stops.has(t.plain)) return out;
      out.push(this.andOr());
      const sep = this.lex.peek();
      if (sep.t === 'op' && (sep.v === ';' || sep.v === '&' || sep.v === '\n')) this.lex.next();
      else if (sep.t === 'eof' || (sep.t === 'op' && sep.v === ')' && stops.has(')')) || (sep.t === 'word' && sep.plain !== undefined && stops.has(sep.plain))) continue;
      else throw this.unexpected(sep);
    }
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.lex.peek();
      if (t.t !== 'op' || (t.v !== '&&' && t.v !== '||')) return { first, rest };
      this.lex.next();
      this.skipNewlines();
      rest.push([t.v, this.pipeline()]);
    }
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.isWord(this.lex.peek(), '!')) {
      this.lex.next();
      negate = true;
    }
    const commands = [this.command()];
    for (;;) {
      const t = this.lex.peek();
      if (t.t !== 'op' || t.v !== '|') return { negate, commands };
      this.lex.next();
      this.skipNewlines();
      commands.push(this.command());
    }
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (let t = this.lex.peek(); t.t === 'redir'; t = this.lex.peek()) out.push(this.redirect());
    return out;
  }

  private redirect(): Redirect {
    const r = this.lex.next() as Extract<Token, { t: 'redir' }>;
    const target = this.lex.next();
    if (target.t !== 'word') throw this.unexpected(target);
    return { fd: r.fd, op: r.op, target: target.word };
  }

  private command(): Command {
    const t = this.lex.peek();
    if (t.t === 'op' && t.v === '(') {
      this.lex.next();
      const body = this.list(new Set([')']));
      const close = this.lex.next();
      if (close.t !== 'op' || close.v !== ')') throw this.unexpected(close);
      return { type: 'group', body, subshell: true, redirects: this.redirects() };
    }
    if (t.t === 'word' && t.plain !== undefined) {
      switch (t.plain) {
        case '{': {
          this.lex.next();
          const body = this.list(new Set(['}']));
          this.expectWord('}');
          return { type: 'group', body, subshell: false, redirects: this.redirects() };
        }
        case 'if': return this.ifCommand();
        case 'while': case 'until': {
          this.lex.next();
          const cond = this.list(new Set(['do']));
          this.expectWord('do');
          const body = this.list(new Set(['done']));
          this.expectWord('done');
          return { type: 'loop', until: t.plain === 'until', cond, body, redirects: this.redirects() };
        }
        case 'for': return this.forCommand();
        default:
          if (RESERVED.has(t.plain)) throw this.unexpected(t);
      }
    }
    return this.simple();
  }

  private ifCommand(): Command {
    this.lex.next();
    const clauses: Array<[List, List]> = [];
    let otherwise: List | undefined;
    for (;;) {
      const cond = this.list(new Set(['then']));
      this.expectWord('then');
      const body = this.list(new Set(['elif', 'else', 'fi']));
      clauses.push([cond, body]);
      this.skipNewlines();
      const t = this.lex.next();
      if (this.isWord(t, 'elif')) continue;
      if (this.isWord(t, 'else')) {
        otherwise = this.list(new Set(['fi']));
        this.expectWord('fi');
      } else if (!this.isWord(t, 'fi')) throw this.unexpected(t);
      return { type: 'if', clauses, otherwise, redirects: this.redirects() };
    }
  }

  private forCommand(): Command {
    this.lex.next();
    const name = this.lex.next();
    if (name.t !== 'word' || !name.plain || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.plain)) throw this.unexpected(name);
    let items: Word[] | undefined;
    this.skipNewlines();
    if (this.isWord(this.lex.peek(), 'in')) {
      this.lex.next();
      items = [];
      for (let t = this.lex.peek(); t.t === 'word'; t = this.lex.peek()) items.push((this.lex.next() as { word: Word }).word);
      const sep = this.lex.next();
      if (sep.t !== 'op' || (sep.v !== ';' && sep.v !== '\n')) throw this.unexpected(sep);
    } else if (this.lex.peek().t === 'op' && (this.lex.peek() as { v: string }).v === ';') this.lex.next();
    this.expectWord('do');
    const body = this.list(new Set(['done']));
    this.expectWord('done');
    return { type: 'for', name: name.plain, items, body, redirects: this.redirects() };
  }

  private simple(): Command {
    const assigns: Array<[string, Word]> = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const t = this.lex.peek();
      if (t.t === 'redir') redirects.push(this.redirect());
      else if (t.t === 'word') {
        this.lex.next();
        const first = t.word[0];
        const m = first?.kind === 'lit' && !first.quoted ? ASSIGNMENT.exec(first.text) : null;
        if (words.length === 0 && m) {
          const value: Word = [{ kind: 'lit', text: first!.kind === 'lit' ? first!.text.slice(m[0].length) : '', quoted: false }, ...t.word.slice(1)];
          assigns.push([m[1]!, value]);
        } else words.push(t.word);
      } else break;
    }
    if (!words.length && !assigns.length && !redirects.length) throw this.unexpected(this.lex.peek());
    return { type: 'simple', assigns, words, redirects };
  }
}

/** Parses a whole script. */
export function parseScript(input: string): List {
  const p = new Parser(input);
  const list = p.list(new Set());
  const t = p.lex.next();
  if (t.t !== 'eof') throw p.unexpected(t);
  return list;
}
