// The simulated shell as a pure function of (script, stdin, filesystem, environment): table tests of what a
// real busybox sh prints and returns for the commands people run in `kubectl exec`.
import t from 'tap';
import { bufferSource } from '../../infra/kube-sim/container-runtime/byte-pipe.js';
import { SimFs } from '../../infra/kube-sim/container-runtime/filesystem.js';
import { Shell } from '../../infra/kube-sim/shell/interpreter.js';
import { ShellState } from '../../infra/kube-sim/shell/state.js';

function fixture(): SimFs {
  const fs = new SimFs(() => new Date('2025-01-02T03:04:05Z'));
  fs.mkdirp('/etc/config');
  fs.writeFile('/etc/config/app.conf', Buffer.from('mode=fast\n'));
  fs.writeFile('/etc/config/other', Buffer.from('x\n'));
  fs.mkdirp('/tmp');
  fs.mkdirp('/root');
  const ro = fs.mkdirp('/secrets');
  fs.writeFile('/secrets/token', Buffer.from('s3cr3t'));
  ro.readOnly = true;
  return fs;
}

async function sh(script: string, stdin = '', fs = fixture(), unknown: 'not-found' | 'daemon' = 'not-found') {
  const state = new ShellState([['PATH', '/bin'], ['HOSTNAME', 'web-1'], ['GREETING', 'hello world'], ['HOME', '/root']], '/');
  const shell = new Shell({ fs, hostname: 'web-1', signal: new AbortController().signal, unknownCommand: unknown, now: () => new Date('2025-01-02T03:04:05Z') }, state);
  let out = '';
  let err = '';
  const code = await shell.run(script, { stdin: bufferSource(Buffer.from(stdin)), stdout: (d) => (out += d), stderr: (d) => (err += d) });
  return { out, err, code, fs };
}

const cases: Array<[name: string, script: string, out: string, code?: number, err?: string | RegExp, stdin?: string]> = [
  ['echo joins its arguments', 'echo a  b   c', 'a b c\n'],
  ['echo -n has no newline', 'echo -n x', 'x'],
  ['a variable expands, unquoted it splits', 'printf "[%s]" $GREETING', '[hello][world]'],
  ['double quotes keep one field', 'printf "[%s]" "$GREETING"', '[hello world]'],
  ['single quotes keep the dollar', "echo '$GREETING'", '$GREETING\n'],
  ['braces and defaults', 'echo ${GREETING} ${UNSET:-fallback} ${#HOSTNAME}', 'hello world fallback 5\n'],
  ['an unset variable vanishes', 'echo [$UNSET]', '[]\n'],
  ['&& runs on success, || on failure', 'true && echo yes; false && echo no; false || echo rescued', 'yes\nrescued\n'],
  ['$? is the last status', 'false; echo $?; true; echo $?', '1\n0\n'],
  ['exit N ends with that code', 'echo before; exit 3; echo after', 'before\n', 3],
  ['exit takes the code modulo 256', 'exit 257', '', 1],
  ['an unknown command is not found', 'nosuchcmd --flag', '', 127, 'sh: nosuchcmd: not found\n'],
  ['env lists the environment', 'env', 'PATH=/bin\nHOSTNAME=web-1\nGREETING=hello world\nHOME=/root\n'],
  ['printenv prints one value', 'printenv GREETING', 'hello world\n'],
  ['printenv of an unset name fails quietly', 'printenv NOPE', '', 1],
  ['an assignment before a command is for that command only', 'X=1 printenv X; echo [$X]', '1\n[]\n'],
  ['export makes a variable visible to env', 'X=2; export X; printenv X', '2\n'],
  ['cat prints files', 'cat /etc/config/app.conf', 'mode=fast\n'],
  ['cat of a missing file', 'cat /nope', '', 1, "cat: can't open '/nope': No such file or directory\n"],
  ['cat reads stdin', 'cat', 'piped\n', 0, '', 'piped\n'],
  ['ls lists a directory, sorted', 'ls /etc/config', 'app.conf\nother\n'],
  ['ls -R walks the tree', 'ls -R /etc', '/etc:\nconfig\n\n/etc/config:\napp.conf\nother\n'],
  ['ls of a missing path', 'ls /missing', '', 1, 'ls: /missing: No such file or directory\n'],
  ['ls -l shows modes and sizes', 'ls -l /etc/config/app.conf', '-rw-r--r--    1 root     root            10 Jan  2 03:04 /etc/config/app.conf\n'],
  ['a glob expands to matching names', 'echo /etc/config/*', '/etc/config/app.conf /etc/config/other\n'],
  ['a glob without match stays as written', 'echo /etc/*.none', '/etc/*.none\n'],
  ['hostname and pwd', 'hostname; cd /etc; pwd', 'web-1\n/etc\n'],
  ['cd to a missing directory', 'cd /nope', '', 2, "sh: cd: can't cd to /nope: No such file or directory\n"],
  ['a pipeline feeds the next stage', 'cat /etc/config/app.conf | grep fast | wc -l', '1\n'],
  ['the pipeline status is the last stage', 'false | true; echo $?', '0\n'],
  ['! negates', '! false && echo negated', 'negated\n'],
  ['command substitution', 'echo "host=$(hostname)"', 'host=web-1\n'],
  ['backticks', 'echo `echo nested`', 'nested\n'],
  ['redirect into a file and read it back', 'echo saved > /tmp/f; echo more >> /tmp/f; cat /tmp/f', 'saved\nmore\n'],
  ['2>&1 joins stderr to stdout', 'cat /nope 2>&1', "cat: can't open '/nope': No such file or directory\n", 1],
  ['2>/dev/null drops errors', 'cat /nope 2>/dev/null; echo $?', '1\n'],
  ['a read-only mount refuses writes', 'echo x > /secrets/new', '', 1, "sh: can't create /secrets/new: Read-only file system\n"],
  ['if / elif / else', 'if false; then echo a; elif true; then echo b; else echo c; fi', 'b\n'],
  ['test and [ ]', '[ -d /etc ] && [ -f /etc/config/app.conf ] && [ ! -e /nope ] && test "a" = "a" && [ 3 -gt 2 ] && echo ok', 'ok\n'],
  ['for loops over words', 'for x in a b c; do echo -n $x; done', 'abc'],
  ['while loops until the condition fails', 'i=; while [ "$i" != xxx ]; do i=${i}x; echo $i; done', 'x\nxx\nxxx\n'],
  ['until loops while the condition fails', 'until [ "$i" = yy ]; do i=${i}y; done; echo $i', 'yy\n'],
  ['break leaves a loop', 'for x in 1 2 3; do if [ $x = 2 ]; then break; fi; echo $x; done', '1\n'],
  ['sh -c runs a nested script with its own $0 and arguments', "sh -c 'echo $0 $1; exit 4' name arg; echo $?", 'name arg\n4\n'],
  ['/bin/sh is sh', '/bin/echo via-path', 'via-path\n'],
  ['a syntax error is status 2', 'if true; then echo x', '', 2, 'sh: syntax error: unexpected end of file\n'],
  ['an unexpected keyword', 'echo a; fi', '', 2, 'sh: syntax error: unexpected "fi"\n'],
  ['head and tail', 'seq 5 | head -n 2; seq 5 | tail -n 1; printf abcdef | tail -c+3', '1\n2\n5\ncdef'],
  ['grep -c and -v', 'printf "a\\nb\\na\\n" | grep -c a; printf "a\\nb\\n" | grep -v a', '2\nb\n'],
  ['mkdir -p, touch, rm', 'mkdir -p /tmp/a/b && touch /tmp/a/b/f && ls /tmp/a/b && rm -r /tmp/a && ls /tmp', 'f\n'],
  ['a comment is ignored', 'echo a # not this', 'a\n'],
  ['read takes a line of stdin', 'read first rest; echo "$rest/$first"', 'two three/one\n', 0, '', 'one two three\n'],
];

for (const [name, script, out, code = 0, err = '', stdin = ''] of cases) {
  t.test(`when sh runs \`${script}\`, then ${name}`, async (t) => {
    const r = await sh(script, stdin);
    t.equal(r.out, out, 'stdout');
    if (typeof err === 'string') t.equal(r.err, err, 'stderr');
    else t.match(r.err, err);
    t.equal(r.code, code, 'exit code');
  });
}

t.test('when the main process runs a program the simulator does not know, then it runs until stopped', async (t) => {
  const state = new ShellState([], '/');
  const ctrl = new AbortController();
  const shell = new Shell({ fs: fixture(), hostname: 'h', signal: ctrl.signal, unknownCommand: 'daemon', now: () => new Date() }, state);
  let out = '';
  const done = shell.run('echo starting; /app/server --port 80', { stdin: bufferSource(Buffer.alloc(0)), stdout: (d) => (out += d), stderr: () => undefined });
  let settled = false;
  void done.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 50));
  t.equal(out, 'starting\n');
  t.equal(settled, false, 'still running');
  ctrl.abort();
  t.equal(await done, 143, 'SIGTERM status once stopped');
});

t.test('when sleep runs, then it waits and an abort cuts it short', async (t) => {
  const state = new ShellState([], '/');
  const ctrl = new AbortController();
  const shell = new Shell({ fs: fixture(), hostname: 'h', signal: ctrl.signal, unknownCommand: 'not-found', now: () => new Date() }, state);
  const run = shell.run('sleep 30; echo never', { stdin: bufferSource(Buffer.alloc(0)), stdout: () => undefined, stderr: () => undefined });
  setTimeout(() => ctrl.abort(), 20);
  t.equal(await run, 130);
});
