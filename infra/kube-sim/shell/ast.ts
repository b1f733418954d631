// The shapes the simulated shell parses scripts into: POSIX sh's grammar, cut down to what people type into
// `kubectl exec` and container commands (lists, pipelines, && and ||, redirections, if/while/until/for,
// groups, quoting, parameter expansion and command substitution).

export type Part =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'param'; name: string; op?: ':-' | '-' | ':=' | '=' | ':+' | '+' | '#'; arg?: Word; quoted: boolean }
  | { kind: 'subst'; script: List; quoted: boolean };

/** A word before expansion: its parts, concatenated. */
export type Word = Part[];

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}

export type Command =
  | { type: 'simple'; assigns: Array<[string, Word]>; words: Word[]; redirects: Redirect[] }
  | { type: 'if'; clauses: Array<[List, List]>; otherwise?: List; redirects: Redirect[] }
  | { type: 'loop'; until: boolean; cond: List; body: List; redirects: Redirect[] }
  | { type: 'for'; name: string; items?: Word[]; body: List; redirects: Redirect[] }
  | { type: 'group'; body: List; subshell: boolean; redirects: Redirect[] };

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: Array<['&&' | '||', Pipeline]>;
}

export type List = AndOr[];

/** The input ends inside a quote, a substitution or a compound command: an interactive shell reads on. */
export class IncompleteInput extends Error {}

/** A syntax error, reported as busybox sh does: `sh: syntax error: unexpected "fi"`. */
export class ShellSyntaxError extends Error {}
