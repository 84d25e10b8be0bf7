#!/usr/bin/python3
"""Checks that ovsrpc's include/ declares, and libovsrpc.a defines,
everything that OVS's own headers of the same names declare.

    api-check.py LIBOVSRPC.A HEADER...      e.g. lib/jsonrpc.h

HEADER is a path in OVS's tree (unpacked and configured under target/ovs
by ovs-tree.sh).  For each header, from OVS's copy:

  functions  every prototype, as gcc -aux-info reports it, must be
             declared by ovsrpc's header with a compatible type (the TU
             takes its address, then repeats OVS's prototype: an
             undeclared name or a conflicting type is an error); every
             non-inline one must be defined (T) in LIBOVSRPC.A;
  macros     every #define that OVS's header makes on this platform must
             be defined after including ovsrpc's header;
  enums      every enumerator must exist, with the same value;
  structs    every struct the header defines must be complete in ovsrpc's,
             with the same size and every member at the same offset.

Prints a count per header and kind, lists what is missing, and exits 1 if
anything is.
"""

import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OVS = os.path.join(TOP, 'target', 'ovs')
SRC = os.path.join(OVS, 'src', 'openvswitch')
BUILD = os.path.join(OVS, 'build')
OVS_INCLUDES = ['-I' + BUILD, '-I' + SRC, '-I' + SRC + '/include',
                '-I' + BUILD + '/include', '-I' + SRC + '/lib',
                '-I' + BUILD + '/lib']
CC = os.environ.get('CC', 'gcc')

# Functions whose signature changed after OVS 3.1: include/ follows today's
# OVS, and the definition still serves callers compiled against 3.1.
TODAY_SIGNATURE = {
    'json_destroy__': 'adds "bool yield"; the definition reads it as a byte '
                      'and ignores it, so 3.1 callers passing one argument work',
}


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def ovs_prototypes(header, tmp):
    """(name, prototype, is_inline) for each function OVS's header
    declares, as gcc -aux-info writes them."""
    tu = os.path.join(tmp, 'ovs.c')
    aux = os.path.join(tmp, 'aux.txt')
    with open(tu, 'w') as f:
        f.write('#include <config.h>\n#include "%s"\n' % os.path.basename(header))
    r = run([CC, '-fsyntax-only', '-aux-info', aux, '-DHAVE_CONFIG_H',
             '-I' + os.path.dirname(os.path.join(SRC, header))] + OVS_INCLUDES + [tu])
    if r.returncode:
        sys.exit('%s: does not compile in OVS\'s tree:\n%s' % (header, r.stderr))
    protos = []
    path = os.path.join(SRC, header)
    for line in open(aux):
        m = re.match(r'/\* (\S+):\d+:\w+ \*/ (.*?;)', line)
        if not m or os.path.abspath(m.group(1)) != path:
            continue
        decl = m.group(2)
        name = re.search(r'(\w+) \(', decl).group(1)
        protos.append((name, decl, decl.startswith('static')))
    return protos


def ovs_macros(header, tmp):
    """The macros OVS's header defines on this platform."""
    text = open(os.path.join(SRC, header)).read()
    names = set(re.findall(r'^\s*#\s*define\s+(\w+)', text, re.M))
    tu = os.path.join(tmp, 'ovsm.c')
    with open(tu, 'w') as f:
        f.write('#include <config.h>\n#include "%s"\n' % os.path.basename(header))
    r = run([CC, '-E', '-dM', '-DHAVE_CONFIG_H',
             '-I' + os.path.dirname(os.path.join(SRC, header))] + OVS_INCLUDES + [tu])
    defined = set(re.findall(r'^#define (\w+)', r.stdout, re.M))
    guard = re.search(r'#ifndef\s+(\w+)\s*\n\s*#define\s+\1', text)
    names &= defined
    if guard:
        names.discard(guard.group(1))
    return sorted(names)


def ovs_enums_and_structs(header):
    """({enumerator: enum name}, {struct: [members]}) defined by the
    header (by pattern: OVS's headers are regular enough)."""
    text = open(os.path.join(SRC, header)).read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    text = re.sub(r'^\s*#.*?(?<!\\)$', '', text, flags=re.M | re.S)
    enums = {}
    for m in re.finditer(r'enum\s+(\w+)\s*\{(.*?)\}', text, re.S):
        for item in m.group(2).split(','):
            item = item.strip()
            if item:
                enums[re.match(r'\w+', item).group(0)] = m.group(1)
    structs = {}
    for m in re.finditer(r'^struct\s+(\w+)\s*\{(.*?)^\};', text, re.S | re.M):
        members = []
        for stmt in re.split(r';', m.group(2)):
            # Members of nested anonymous unions/structs are members too.
            stmt = re.sub(r'.*[{}]', '', stmt, flags=re.S).strip()
            if not stmt or re.match(r'^(struct|union|enum)\s+\w+$', stmt):
                continue
            # "size_t n, n_allocated": one member per declarator.
            for declarator in stmt.split(','):
                mm = re.search(r'(\w+)\s*(\[[^\]]*\])?\s*$', declarator)
                if mm:
                    members.append(mm.group(1))
        structs[m.group(1)] = members
    return enums, structs


def values_program(includes, enums, structs):
    lines = ['#include <stddef.h>', '#include <stdio.h>'] + includes
    lines.append('int main(void) {')
    for e in sorted(enums):
        lines.append('    printf("enum %s %%d\\n", (int) %s);' % (e, e))
    for s, members in sorted(structs.items()):
        lines.append('    printf("sizeof %s %%zu\\n", sizeof(struct %s));' % (s, s))
        for m in members:
            lines.append('    printf("offsetof %s.%s %%zu\\n", offsetof(struct %s, %s));'
                         % (s, m, s, m))
    lines.append('    return 0;\n}')
    return '\n'.join(lines) + '\n'


def compile_and_run(source, flags, tmp, name):
    c = os.path.join(tmp, name + '.c')
    exe = os.path.join(tmp, name)
    with open(c, 'w') as f:
        f.write(source)
    r = run([CC, '-o', exe, c] + flags)
    if r.returncode:
        return None, r.stderr
    return run([exe]).stdout, ''


def check_header(header, defined, tmp):
    ours = os.path.basename(header) if header.startswith('lib/') else header[len('include/'):]
    protos = ovs_prototypes(header, tmp)
    macros = ovs_macros(header, tmp)
    enums, structs = ovs_enums_and_structs(header)
    problems = []

    # Declarations: address of each function, then OVS's prototype.
    tu = ['#include <stdint.h>', '#include <sys/types.h>',
          '#include <sys/socket.h>', '#include "%s"' % ours,
          '#include "openvswitch/types.h"',
          'typedef uint32_t HANDLE;',
          'struct ds; struct vlog_module; struct pollfd; struct timespec;',
          'struct timeval; struct sockaddr_storage; struct uuid;']
    tu.append('void *ovsrpc_api_check[] = {')
    for name, _, _ in protos:
        tu.append('    (void *) %s,' % name)
    tu.append('};')
    for name, decl, inline in protos:
        if not inline:
            tu.append(decl)
    for m in macros:
        tu.append('#ifndef %s\n#error macro %s missing\n#endif' % (m, m))
    src = os.path.join(tmp, 'ours.c')
    with open(src, 'w') as f:
        f.write('\n'.join(tu) + '\n')
    r = run([CC, '-fsyntax-only', '-Wno-builtin-declaration-mismatch',
             '-I' + os.path.join(TOP, 'include')] + OVS_INCLUDES[1:] + [src])
    bad_decl = set(re.findall(r"[‘'](\w+)[’'] undeclared", r.stderr))
    bad_decl |= set(re.findall(r"conflicting types for [‘'](\w+)[’']", r.stderr))
    bad_macro = set(re.findall(r'#error macro (\w+) missing', r.stderr))
    if r.returncode and not (bad_decl or bad_macro):
        problems.append('declarations do not compile:\n' + r.stderr[:3000])

    n_funcs = len(protos)
    missing_def = [n for n, _, inline in protos if not inline and n not in defined]
    ok_funcs = [n for n, _, inline in protos
                if n not in bad_decl and (inline or n in defined)]
    for n in sorted(bad_decl):
        if n in TODAY_SIGNATURE:
            print('    %s: today\'s OVS signature (%s)' % (n, TODAY_SIGNATURE[n]))
            ok_funcs.append(n)
            continue
        problems.append('function %s: not declared, or not with OVS\'s type' % n)
    for n in missing_def:
        problems.append('function %s: not defined in libovsrpc.a' % n)
    for n in sorted(bad_macro):
        problems.append('macro %s: not defined' % n)

    # Enumerator values and struct layouts, OVS's against ours.
    ovs_out, err = compile_and_run(
        values_program(['#include <config.h>', '#include "%s"' % os.path.basename(header)],
                       enums, structs),
        ['-DHAVE_CONFIG_H', '-I' + os.path.dirname(os.path.join(SRC, header))]
        + OVS_INCLUDES, tmp, 'values-ovs')
    our_out, our_err = compile_and_run(
        values_program(['#include "%s"' % ours], enums, structs),
        ['-I' + os.path.join(TOP, 'include')] + OVS_INCLUDES[1:], tmp, 'values-ours')
    bad_types = 0
    if ovs_out is None:
        problems.append('OVS layout program failed:\n' + err[:2000])
    elif our_out is None:
        problems.append('enums/structs missing or different:\n' + our_err[:2000])
        bad_types = len(enums) + len(structs)
    else:
        ovs_lines = dict(l.rsplit(' ', 1) for l in ovs_out.splitlines())
        our_lines = dict(l.rsplit(' ', 1) for l in our_out.splitlines())
        for key, value in ovs_lines.items():
            if our_lines.get(key) != value:
                problems.append('%s: OVS %s, ovsrpc %s' % (key, value, our_lines.get(key)))
                bad_types += 1
    n_types = len(enums) + len(structs)
    print('%-30s functions %d/%d, macros %d/%d, enumerators+structs %d/%d'
          % (header, len(ok_funcs), n_funcs, len(macros) - len(bad_macro),
             len(macros), n_types - min(bad_types, n_types), n_types))
    for p in problems:
        print('    ' + p.replace('\n', '\n    '))
    return not problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    lib = sys.argv[1]
    nm = run(['nm', '-g', '--defined-only', lib])
    defined = set(re.findall(r' T (\w+)$', nm.stdout, re.M))
    ok = True
    with tempfile.TemporaryDirectory(prefix='ovsrpc-api.') as tmp:
        for header in sys.argv[2:]:
            ok = check_header(header, defined, tmp) and ok
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
