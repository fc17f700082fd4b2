"""Every result the README and the docs pages state comes from a JSON file in bench/ that a bench script wrote.

    python tools/claims.py --check     # fail (exit 1) naming each problem, with file and line
    python tools/claims.py --list      # every placeholder and what it gives now

Placeholders (markdown cells of nbs/index.ipynb, hence README.md and the docs home page, and of nbs/tutorials/):

    {{FILE.json: EXPR}}           the value
    {{FILE.json: EXPR :FORMAT}}   the value through Python's format(value, FORMAT)

FILE is a path under bench/. EXPR is a small expression over that JSON: names are its top-level keys, `.key` and
`['key']` look up a key (`['key']` for keys that are not identifiers, such as '0.25'), `[i]` picks a list item,
`.key` on a list gives that key of every item; + - * / and min, max, sum, len, mean, median, abs, round, and
deltas (per-step values from running totals).
FORMAT is a Python format spec (`.1%`, `.2f`, `+.2f`, `,`, `.0f`) or `min_s` (seconds as `9 min 50 s`).
Examples:

    {{g2p_default.json: test.greedy_first_ref.per :.1%}}            -> 9.7%
    {{g2p_default.json: max(epoch_s) :.0f}} s                       -> 57 s
    {{lm_baseline.json: generation.speedup :.1f}}x                  -> 4.6x

`{{cite: TEXT}}` writes TEXT as it is: for numbers quoted from someone else's publication, which no bench script
of ours can measure (name the publication beside it). tools/readme.py and tools/docs.py replace placeholders
when they write README.md and the docs site; a placeholder that does not resolve stops both. (Not in a page's
`> description` line: nbdev turns that into YAML front matter before tools/docs.py sees it.)

The check (`check()`, also `--check`):

1. every placeholder in nbs/index.ipynb and nbs/tutorials/*.ipynb resolves (the file exists, the keys exist, the
   value is a number or a string, the format applies);
2. README.md is what nbs/index.ipynb and the JSON files give now (numbers included);
3. no result-like number is typed by hand in the prose of README.md or of the tutorials' markdown cells.

What counts as a result-like number (RULES below), in prose: text outside inline code spans, link targets, HTML
comments, placeholders and `{{cite: ...}}`; in a fenced code block only its `# comments` count as prose, and
indented code blocks (saved outputs in README.md) are skipped.

- a decimal number, `9.7`, `0.500`, `+0.28` (with `%`, `x`, `points`, `±`, any unit or none), except a version or
  identifier (`3.3.2`, `0.7b`, `0.94M`, `arXiv:1708.07747`, `Python 3.11` or `CC BY-SA 4.0`: a version after a
  tool's or licence's name) and a setting's value right after the setting's name (`lr 2e-3`, `label smoothing 0.1`,
  `dropout 0.1`, `replay 0.25`);
- a ratio: a number followed by `x` (`4.8x`, `13x`, not a size such as `28x28`) or by `times` and a comparison
  (`13 times fewer`, `3 times the`; not `kills 300 times`);
- a measured time: a number followed by `s`, `ms` or `µs` (`46 s`, `0.19 ms`), a range of them (`50 to 57 s`,
  `60-90 s`), and `N min M s`.

Not results: whole numbers that count or set something (`2 cores`, `batch 64`, `11 epochs`, `20,000 words`,
`5-fold`), budgets in minutes (`10 minutes`, `about 10 min`), whole percentages (`the 10% goal`, `25% replay`).
"""
import ast, json, re, statistics, sys, argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH, README, TUTORIALS = ROOT/'bench', ROOT/'README.md', ROOT/'nbs'/'tutorials'

class ClaimError(Exception): "A placeholder that does not resolve; the message says which and why."

# ------------------------------------------------------------------------------------------------ placeholders

_re_placeholder = re.compile(r'\{\{\s*(?:(?P<file>[\w./-]+\.json)\s*:(?P<body>.*?)|cite:(?P<cite>.*?))\}\}', re.S)
_re_format = re.compile(r'^(?:[<>=^]?[+\- ]?#?0?\d*[,_]?(?:\.\d+)?[bcdeEfFgGnosxX%]?|min_s)$')
def deltas(xs:list) -> list:
    "Steps between running totals: [x0, x1 - x0, x2 - x1, ...] (per-epoch seconds from cumulative ones)."
    return [b - a for a, b in zip([0, *xs[:-1]], xs)]

_FUNCS = dict(min=min, max=max, sum=sum, len=len, abs=abs, round=round, mean=statistics.fmean, median=statistics.median, deltas=deltas)
_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
_cache: dict = {}

def load(file:str) -> dict:
    "The JSON file `file` under bench/ (read once per process)."
    path = (BENCH/file).resolve()
    if path not in _cache:
        if BENCH.resolve() not in path.parents: raise ClaimError(f'{file}: not under bench/')
        if not path.exists(): raise ClaimError(f'bench/{file} does not exist')
        try: _cache[path] = json.loads(path.read_text())
        except ValueError as e: raise ClaimError(f'bench/{file} is not JSON: {e}')
    return _cache[path]

def _get(obj, key, where:str):
    "obj[key] for a dict or a list index; for a list and a string key, that key of every item."
    if isinstance(obj, dict):
        if key not in obj: raise ClaimError(f'no key {key!r} in {where} (keys: {", ".join(map(str, list(obj)[:12]))})')
        return obj[key]
    if isinstance(obj, list):
        if isinstance(key, int):
            if not -len(obj) <= key < len(obj): raise ClaimError(f'index {key} out of range in {where} ({len(obj)} items)')
            return obj[key]
        return [_get(o, key, f'{where}[*]') for o in obj]
    raise ClaimError(f'{where} is {type(obj).__name__} {obj!r}, it has no key {key!r}')

def evaluate(data:dict, expr:str, file:str='JSON'):
    "The value of `expr` (the restricted expression above) over `data`."
    try: tree = ast.parse(expr.strip(), mode='eval')
    except SyntaxError as e: raise ClaimError(f'{expr.strip()!r} is not an expression: {e.msg}')
    def ev(n, where=file):
        if isinstance(n, ast.Expression): return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float, str)): return n.value
        if isinstance(n, ast.Name): return _get(data, n.id, file)
        if isinstance(n, ast.Attribute): return _get(ev(n.value), n.attr, f'{file}:{ast.unparse(n.value)}')
        if isinstance(n, ast.Subscript): return _get(ev(n.value), ev(n.slice), f'{file}:{ast.unparse(n.value)}')
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS: return _OPS[type(n.op)](ev(n.left), ev(n.right))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS and not n.keywords:
            return _FUNCS[n.func.id](*[ev(a) for a in n.args])
        raise ClaimError(f'{ast.unparse(n)!r}: not allowed in a placeholder (keys, [i], + - * /, {", ".join(_FUNCS)})')
    try: return ev(tree)
    except ClaimError: raise
    except Exception as e: raise ClaimError(f'{expr.strip()!r}: {type(e).__name__}: {e}')

def min_s(seconds) -> str:
    "Seconds as people say them: `46 s`, `9 min 50 s`, `10 min`."
    m, s = divmod(round(seconds), 60)
    return f'{m} min {s} s' if m and s else f'{m} min' if m else f'{s} s'

def fmt(value, spec:str|None) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ClaimError(f'gives {type(value).__name__} {str(value)[:60]}, not a number or a string')
    if not spec: return str(value)
    if spec == 'min_s': return min_s(value)
    return format(value, spec)

def split(body:str) -> tuple[str, str|None]:
    "A placeholder's body as (expression, format or None)."
    expr, _, spec = body.rpartition(':')
    return (expr, spec.strip()) if expr and _re_format.match(spec.strip()) else (body, None)

def resolve_one(m:re.Match) -> str:
    "The text a placeholder match gives."
    if m['cite'] is not None: return m['cite'].strip()
    expr, spec = split(m['body'])
    try: return fmt(evaluate(load(m['file']), expr, m['file']), spec)
    except ClaimError as e: raise ClaimError(f'{m[0]}: {e}') from None
    except (ValueError, TypeError) as e: raise ClaimError(f'{m[0]}: format {spec!r}: {e}') from None

def resolve(text:str, mark:bool=False) -> str:
    "`text` with every placeholder replaced by what it gives (`mark`: wrapped in \\x01...\\x02, for the scan)."
    return _re_placeholder.sub(lambda m: f'\x01{resolve_one(m)}\x02' if mark else resolve_one(m), text)

def resolve_or_exit(text:str, where:str) -> str:
    "`resolve`, stopping the program with one line naming `where` when a placeholder does not resolve."
    try: return resolve(text)
    except ClaimError as e: raise SystemExit(f'{where}: {e}')

# ------------------------------------------------------------------------------------------------ the scan

_VERSIONED = r'(?:by-sa|by|python|torch|pytorch|fastai|fastcore|nbdev|cmudict|espeak-ng|wordfreq|g2p_en|vadersentiment|onnxruntime|onnx|transformers|sphinx|numpy|timm|version|v)'
_SETTINGS = r'(?:lr|learning rate|label smoothing|label_smoothing|dropout|replay|weight decay|wd|alpha|mixup|max_zoom|zoom|valid_pct|test_pct)'
_NUM = r'(?<![\w.])\d+(?:[.,]\d+)*'
RULES = [
    ('ratio', re.compile(rf'{_NUM}\s?(?:x(?!\w)|times (?:fewer|more|less|faster|slower|smaller|larger|bigger|the|as)\b)')),
    ('time', re.compile(rf'{_NUM} min \d+(?:\.\d+)? s\b|{_NUM}(?:\s?(?:to|-|–)\s?\d+(?:[.,]\d+)*)?\s?(?:s|ms|µs)\b')),
    ('decimal', re.compile(r'(?<![\w.:/\-])[+\-−]?\d+\.\d+(?![\w.])(?:\s?%)?')),
]
_re_version = re.compile(rf'\b{_VERSIONED}\s*$', re.I)
_re_setting = re.compile(rf'\b{_SETTINGS}\s*(?:of\s*|=\s*)?$', re.I)
_re_code = re.compile(r'`[^`\n]*`')
_re_link = re.compile(r'\]\([^)\s]*\)')
_re_comment = re.compile(r'<!--.*?-->', re.S)
_re_marked = re.compile(r'\x01[^\x02]*\x02')
_re_fence = re.compile(r'^\s*(```|~~~)')

def prose_lines(md:str) -> list[str]:
    "The lines of markdown `md` with what is not prose blanked (see the module's docstring), so line numbers hold."
    md = _re_comment.sub(lambda m: '\n' * m[0].count('\n'), md)
    out, fence, prev_blank, indented = [], None, True, False
    for line in md.split('\n'):
        if fence:
            if line.strip().startswith(fence): fence = None; out.append(''); continue
            c = re.search(r'(?:^|\s)#\s(.*)$', line)
            out.append(c[1] if c else '')
            continue
        if m := _re_fence.match(line): fence = m[1]; out.append(''); continue
        indented = (line.startswith(('    ', '\t')) and (prev_blank or indented)) and not line.lstrip().startswith(('-', '*', '|'))
        prev_blank = not line.strip()
        out.append('' if indented else line)
    return [_re_link.sub('](', _re_code.sub('``', _re_marked.sub(' ', l))) for l in out]

def typed_numbers(line:str) -> list[str]:
    "The result-like numbers in one line of prose (RULES), each once."
    found, taken = [], []
    for name, rx in RULES:
        for m in rx.finditer(line):
            if any(a < m.end() and m.start() < b for a, b in taken): continue
            before = line[:m.start()]
            if name == 'decimal' and (_re_version.search(before) or _re_setting.search(before)): continue
            taken.append(m.span()); found.append(m[0].strip())
    return found

def scan(md:str, where) -> list[str]:
    "Problems for the hand-typed numbers in markdown `md`; `where(i)` names line i (0-based)."
    return [f'{where(i)}: {n!r} typed by hand in "{l.strip()[:90]}"'
            for i, l in enumerate(prose_lines(md)) for n in typed_numbers(l)]

# ------------------------------------------------------------------------------------------------ the check

def markdown_cells(nb_path:Path) -> list[tuple[int, str]]:
    "(cell index, source) of each markdown cell of a notebook."
    cells = json.loads(nb_path.read_text())['cells']
    return [(i, ''.join(c['source'])) for i, c in enumerate(cells) if c['cell_type'] == 'markdown']

def sources() -> list[Path]:
    "Every notebook whose markdown may hold placeholders: README's index, the tutorials first, then every other docs page."
    first = [ROOT/'nbs'/'index.ipynb', *sorted(TUTORIALS.glob('*.ipynb'))]
    return first + [p for p in sorted((ROOT/'nbs').rglob('*.ipynb')) if p not in first and '.ipynb_checkpoints' not in p.parts]

def unresolved() -> list[str]:
    "Placeholders that do not resolve, named by notebook, cell and line."
    problems = []
    for nb in sources():
        for i, src in markdown_cells(nb):
            for m in _re_placeholder.finditer(src):
                try: resolve_one(m)
                except ClaimError as e: problems.append(f'{nb.relative_to(ROOT)} cell {i} line {src[:m.start()].count(chr(10)) + 1}: {e}')
    return problems

def readme_problems() -> list[str]:
    "README.md out of date, or a hand-typed number in its prose (its lines numbered as in README.md)."
    sys.path.insert(0, str(ROOT/'tools'))
    from readme import render_readme
    want, have = render_readme(), README.read_text() if README.exists() else ''
    if have != want:
        i, old, new = next(((i, o, n) for i, (o, n) in enumerate(zip(have.split('\n'), want.split('\n'))) if o != n),
                           (min(len(have.split('\n')), len(want.split('\n'))), '', ''))
        return [f'README.md:{i + 1} differs from what nbs/index.ipynb and the bench JSON files give now '
                f'({old.strip()[:70]!r} there, {new.strip()[:70]!r} now): run `make readme` and commit it']
    marked = render_readme(mark=True)
    return scan(marked, lambda i: f'README.md:{i + 1}')

def tutorial_problems() -> list[str]:
    problems = []
    for nb in sorted(TUTORIALS.glob('*.ipynb')):
        for i, src in markdown_cells(nb):
            blanked = _re_placeholder.sub(lambda m: '\x01\x02', src)
            problems += scan(blanked, lambda j, i=i, nb=nb: f'{nb.relative_to(ROOT)} cell {i} line {j + 1}')
    return problems

def check() -> str|None:
    "None when every stated number resolves and none is typed by hand; else the failure message, one problem a line."
    problems = unresolved()
    if not problems: problems = readme_problems() + tutorial_problems()  # rendering needs every placeholder to resolve
    if not problems: return None
    return f'{len(problems)} claim problem(s) (see tools/claims.py for the rule):\n' + '\n'.join(problems)

def listing() -> str:
    rows = []
    for nb in sources():
        for i, src in markdown_cells(nb):
            for m in _re_placeholder.finditer(src):
                try: val = resolve_one(m)
                except ClaimError as e: val = f'ERROR {e}'
                rows.append(f'{nb.relative_to(ROOT)} cell {i}: {m[0]} -> {val}')
    return '\n'.join(rows)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument('--check', action='store_true', help='fail when a number is unresolved, stale or typed by hand')
    g.add_argument('--list', action='store_true', help='show every placeholder and its value')
    a = p.parse_args()
    if a.list: print(listing()); sys.exit(0)
    if msg := check(): sys.exit(msg)
    print('claims: every placeholder resolves, README.md is current, no result typed by hand')
