#!/usr/bin/python3
"""Runs the C cases of one of OVS's autotest files (tests/*.at) against an
`ovstest` binary built from OVS's test programs and ovsrpc.

    run-at.py [--reals-as-numbers] OVSTEST FILE.at

The .at file is read with a small m4 evaluator (quotes [ ], m4_define with
$1..$9, m4_for, dnl, AS_ESCAPE and the @<:@ @:>@ quadrigraphs), enough for
OVS's json.at, jsonrpc.at and reconnect.at.  Each AT_SETUP ... AT_CLEANUP
case runs in a fresh directory with OVS's test environment (OVS_RUNDIR and
friends set to it, `ovstest` first on PATH): AT_DATA writes a file,
AT_CHECK runs a command with bash and compares the exit status, stdout and
stderr as autotest does (omitted output must be empty; `ignore`, `stdout`,
`expout` as in autotest), OVS_WAIT_WHILE/UNTIL poll a command for up to 10
seconds, and `on_exit` commands run at the end.  With --reals-as-numbers,
an output that differs only in how a real number is written (1e+100 for
1e100, 0.1 for 0.10000000000000001) matches.  Cases that run Python
($PYTHON3) are skipped and counted.  Prints one line per case and a
summary; exits 1 if any C case failed.
"""

import decimal
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

WAIT_SECONDS = 10


class M4:
    """Just enough of m4 to expand OVS's .at files into test events."""

    def __init__(self):
        self.macros = {}
        self.events = []

    # -- scanning ---------------------------------------------------------

    def expand(self, text):
        """Expands `text` and returns the output text (events are recorded
        as a side effect)."""
        out = []
        pending = [text]        # Input stack: rescanned text goes on top.
        while pending:
            s = pending.pop()
            i = 0
            while i < len(s):
                c = s[i]
                if c == '[':
                    end = self.match_quote(s, i)
                    out.append(s[i + 1:end])
                    i = end + 1
                elif c == '#':
                    end = s.find('\n', i)
                    end = len(s) if end < 0 else end + 1
                    out.append(s[i:end])
                    i = end
                elif c.isalpha() or c == '_':
                    m = re.compile(r'[A-Za-z_][A-Za-z0-9_]*').match(s, i)
                    name = m.group(0)
                    i = m.end()
                    if name == 'dnl':
                        end = s.find('\n', i)
                        i = len(s) if end < 0 else end + 1
                        continue
                    if not self.is_macro(name):
                        out.append(name)
                        continue
                    args = []
                    if i < len(s) and s[i] == '(':
                        args, i = self.collect_args(s, i + 1)
                    result = self.call(name, args)
                    if result:
                        # Rescan the result before the rest of `s`.
                        pending.append(s[i:])
                        pending.append(result)
                        s, i = '', 0
                        break
                else:
                    out.append(c)
                    i += 1
        return ''.join(out)

    @staticmethod
    def match_quote(s, i):
        depth = 0
        for j in range(i, len(s)):
            if s[j] == '[':
                depth += 1
            elif s[j] == ']':
                depth -= 1
                if depth == 0:
                    return j
        raise SyntaxError('unbalanced quote at: %r' % s[i:i + 60])

    def collect_args(self, s, i):
        """Collects the arguments of a macro call whose '(' is before `i`:
        each is expanded (quotes lose one level), leading white space
        dropped.  Returns (args, index after ')')."""
        args = []
        while True:
            while i < len(s) and s[i] in ' \t\n':
                i += 1
            start, depth = i, 0
            while True:
                if i >= len(s):
                    raise SyntaxError('unterminated macro call')
                c = s[i]
                if c == '[':
                    i = self.match_quote(s, i) + 1
                    continue
                if c == '(':
                    depth += 1
                elif c == ')':
                    if depth == 0:
                        break
                    depth -= 1
                elif c == ',' and depth == 0:
                    break
                i += 1
            args.append(self.expand(s[start:i]))
            if s[i] == ')':
                return args, i + 1
            i += 1

    # -- macros -----------------------------------------------------------

    BUILTINS = {'m4_define', 'm4_for', 'AS_ESCAPE', 'AT_SETUP', 'AT_CLEANUP',
                'AT_CHECK', 'AT_DATA', 'AT_KEYWORDS', 'AT_BANNER',
                'AT_CAPTURE_FILE', 'AT_SKIP_IF', 'OVS_WAIT_WHILE',
                'OVS_WAIT_UNTIL'}

    def is_macro(self, name):
        return name in self.BUILTINS or name in self.macros

    def call(self, name, args):
        arg = lambda n: args[n] if n < len(args) else ''
        if name in self.macros:
            body = self.macros[name]
            return re.sub(r'\$([0-9#])',
                          lambda m: (str(len(args)) if m.group(1) == '#'
                                     else arg(int(m.group(1)) - 1)
                                     if m.group(1) != '0' else name),
                          body)
        if name == 'm4_define':
            self.macros[arg(0)] = arg(1)
        elif name == 'm4_for':
            var, first, last, step, body = args[:5]
            out = []
            for k in range(int(first), int(last) + 1, int(step or 1)):
                out.append(body.replace(var, str(k)) if var in body else body)
            return ''.join(out)
        elif name == 'AS_ESCAPE':
            # Unquoted, as m4sugar's: the rescan strips one level of quotes.
            return re.sub(r'([`"$\\])', r'\\\1', arg(0))
        elif name in ('AT_SETUP', 'AT_CLEANUP', 'AT_CHECK', 'AT_DATA',
                      'AT_SKIP_IF', 'OVS_WAIT_WHILE', 'OVS_WAIT_UNTIL'):
            # A marker in the output keeps the event's place among the
            # shell text around it (such as on_exit lines).
            self.events.append((name, args))
            return '\0%d\0' % (len(self.events) - 1)
        return ''


def unquad(text):
    """Autotest's quadrigraphs, turned into the characters they stand for."""
    return (text.replace('@<:@', '[').replace('@:>@', ']')
            .replace('@S|@', '$').replace('@%:@', '#').replace('@&t@', ''))


def parse_cases(path):
    """The cases of an .at file: a list of (title, steps), where steps are
    ('data', file, text), ('check', cmd, status, out, err), ('wait', cmd,
    while?), ('skip_if', cmd) and ('shell', text)."""
    m4 = M4()
    out = m4.expand(open(path, encoding='utf-8').read())
    cases, current = [], None
    for k, piece in enumerate(out.split('\0')):
        if k % 2 == 0:
            shell = '\n'.join(line for line in piece.split('\n')
                              if line.strip()
                              and not line.lstrip().startswith('#'))
            if current is not None and shell.strip():
                current[1].append(('shell', unquad(shell)))
            continue
        name, args = m4.events[int(piece)]
        a = [expand_value(m4, x) for x in args] + [None] * 4
        if name == 'AT_SETUP':
            current = (a[0], [])
        elif name == 'AT_CLEANUP':
            if current is not None:
                cases.append(current)
            current = None
        elif current is None:
            continue
        elif name == 'AT_DATA':
            current[1].append(('data', a[0], a[1] or ''))
        elif name == 'AT_CHECK':
            current[1].append(('check', a[0], a[1], a[2], a[3]))
        elif name in ('OVS_WAIT_WHILE', 'OVS_WAIT_UNTIL'):
            current[1].append(('wait', a[0], name == 'OVS_WAIT_WHILE'))
        elif name == 'AT_SKIP_IF':
            current[1].append(('skip_if', a[0]))
    return cases


def expand_value(m4, text):
    """An argument of AT_CHECK and friends as the shell sees it: autotest
    expands it once more (one more level of quotes off, macros such as
    AS_ESCAPE expanded)."""
    if text is None:
        return None
    return unquad(m4.expand(text))


def is_python(steps):
    return any('$PYTHON3' in (step[1] or '') for step in steps
               if step[0] in ('check', 'wait'))


REALS_AS_NUMBERS = False
NUMBER = re.compile(r'-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?')


def same_numbers(want, got):
    """Whether `want` and `got` are the same text but for the spelling of
    numbers with a fraction or exponent, which must have equal values."""
    def split(text):
        return NUMBER.split(text), NUMBER.findall(text)
    (want_text, want_nums), (got_text, got_nums) = split(want), split(got)
    if want_text != got_text or len(want_nums) != len(got_nums):
        return False
    for w, g in zip(want_nums, got_nums):
        if w == g:
            continue
        if not any(c in w + g for c in '.eE'):
            return False
        try:
            # OVS prints reals with DBL_DIG (15) significant digits (its
            # DBL_MAX does not even read back): equal at that precision,
            # in decimal, is equal.
            if (format(decimal.Decimal(w), '.14e')
                    != format(decimal.Decimal(g), '.14e')):
                return False
        except (ValueError, decimal.InvalidOperation):
            return False
    return True


def expect_output(name, want, got_path, expout_dir):
    """Compares a captured output with what autotest expects; returns an
    error message or None."""
    got = open(got_path, 'rb').read().decode('utf-8', 'replace')
    if want in ('ignore', 'ignore-no-log', 'stdout', 'stderr'):
        return None
    if want in ('expout', 'experr'):
        want = open(os.path.join(expout_dir, want), encoding='utf-8').read()
    want = want or ''
    if got == want or (REALS_AS_NUMBERS and same_numbers(want, got)):
        return None
    import difflib
    diff = ''.join(difflib.unified_diff(
        want.splitlines(True), got.splitlines(True),
        'expected ' + name, 'actual ' + name))
    return diff[:4000]


def run_case(title, steps, env, workdir):
    """Runs one case in `workdir`; returns None or why it failed."""
    on_exit = []
    shell_prefix = 'on_exit () { echo "$1" >> "%s/.on_exit"; }\n' % workdir

    def bash(cmd, **kw):
        return subprocess.run(['bash', '-c', shell_prefix + cmd],
                              cwd=workdir, env=env, **kw)
    try:
        for step in steps:
            kind = step[0]
            if kind == 'data':
                with open(os.path.join(workdir, step[1]), 'w',
                          encoding='utf-8') as f:
                    f.write(step[2])
            elif kind == 'shell':
                bash(step[1])
            elif kind == 'skip_if':
                if bash(step[1]).returncode == 0:
                    return 'skipped'
            elif kind == 'wait':
                deadline = time.monotonic() + WAIT_SECONDS
                while True:
                    holds = bash(step[1], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).returncode == 0
                    if holds != step[2]:
                        break
                    if time.monotonic() > deadline:
                        return 'timed out waiting %s %s' % (
                            'while' if step[2] else 'until', step[1])
                    time.sleep(0.1)
            elif kind == 'check':
                cmd, status, out, err = step[1:]
                out_path = os.path.join(workdir, 'stdout')
                err_path = os.path.join(workdir, 'stderr')
                with open(out_path + '.tmp', 'wb') as o, \
                        open(err_path + '.tmp', 'wb') as e:
                    r = bash(cmd, stdout=o, stderr=e, timeout=60)
                os.replace(out_path + '.tmp', out_path)
                os.replace(err_path + '.tmp', err_path)
                want_status = status if status not in (None, '') else '0'
                if want_status != 'ignore' and str(r.returncode) != want_status:
                    return ('`%s`: exit status %d, expected %s\n%s%s' % (
                        cmd, r.returncode, want_status,
                        open(out_path, errors='replace').read()[:2000],
                        open(err_path, errors='replace').read()[:2000]))
                for name, want, path in (('stdout', out, out_path),
                                         ('stderr', err, err_path)):
                    problem = expect_output(name, want, path, workdir)
                    if problem:
                        return '`%s`:\n%s' % (cmd, problem)
        return None
    finally:
        path = os.path.join(workdir, '.on_exit')
        if os.path.exists(path):
            for line in reversed(open(path).read().splitlines()):
                subprocess.run(['bash', '-c', line], cwd=workdir, env=env,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)


def main():
    global REALS_AS_NUMBERS
    args = sys.argv[1:]
    if args and args[0] == '--reals-as-numbers':
        REALS_AS_NUMBERS = True
        args = args[1:]
    if len(args) != 2:
        sys.exit('usage: %s [--reals-as-numbers] OVSTEST FILE.at' % sys.argv[0])
    ovstest = os.path.abspath(args[0])
    at_file = args[1]
    cases = parse_cases(at_file)
    if not cases:
        sys.exit('%s: no test cases found' % at_file)

    bindir = tempfile.mkdtemp(prefix='ovsrpc-at-bin.')
    os.symlink(ovstest, os.path.join(bindir, 'ovstest'))
    base = os.path.basename(at_file)
    passed = failed = skipped = python = 0
    try:
        for n, (title, steps) in enumerate(cases, 1):
            if is_python(steps):
                python += 1
                continue
            workdir = tempfile.mkdtemp(prefix='ovsrpc-at.')
            env = dict(os.environ)
            env['PATH'] = bindir + os.pathsep + env.get('PATH', '')
            for var in ('OVS_RUNDIR', 'OVS_LOGDIR', 'OVS_DBDIR',
                        'OVS_SYSCONFDIR', 'OVS_PKGDATADIR'):
                env[var] = workdir
            problem = run_case(title, steps, env, workdir)
            if problem is None:
                passed += 1
                print('%s %d: %s: ok' % (base, n, title))
                shutil.rmtree(workdir, ignore_errors=True)
            elif problem == 'skipped':
                skipped += 1
                print('%s %d: %s: skipped' % (base, n, title))
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                failed += 1
                print('%s %d: %s: FAILED (in %s)\n%s' % (
                    base, n, title, workdir, problem))
    finally:
        shutil.rmtree(bindir, ignore_errors=True)
    total = passed + failed + skipped
    print('%s: %d/%d C cases passed%s; %d Python cases not run' % (
        base, passed, total,
        ' (%d skipped)' % skipped if skipped else '', python))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
