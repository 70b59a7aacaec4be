#!/usr/bin/env python3
"""Issue #11's rule: no Swift function (func, init, deinit, subscript) over 80 lines in Sources, generated
code excepted (the C kernels are not Swift and are not checked). Counts from the declaration's first line to
its closing brace, by brace matching with string literals and // comments removed. Prints each offender
and exits 1 if there is one; run by scripts/test.sh."""
import glob, re, sys

LIMIT = 80
DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|static|final|'
                  r'override|mutating|nonisolated|convenience|required|class)\s+)*(?:func\s+\w+|init\??|deinit|subscript)\b')
STRING = re.compile(r'"(?:\\.|[^"\\])*"')

def long_functions(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    for i, line in enumerate(lines):
        if not DECL.match(line):
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            code = STRING.sub('', lines[j]).split('//')[0]
            depth += code.count('{') - code.count('}')
            opened = opened or '{' in code
            if opened and depth <= 0:
                if j - i + 1 > LIMIT:
                    yield i + 1, j - i + 1, line.strip()
                break
            if not opened and j > i + 15:  # a protocol requirement: no body
                break

found = 0
for path in sorted(glob.glob('Sources/**/*.swift', recursive=True)):
    if '/Generated/' in path:
        continue
    for line, length, decl in long_functions(path):
        print(f'{path}:{line}: {length} lines (limit {LIMIT}): {decl[:80]}')
        found += 1
sys.exit(1 if found else 0)
