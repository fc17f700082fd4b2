"""The whole test suite behind `make test`: package freshness, README freshness, stated numbers, every notebook, the docs site.

    python tools/test.py                 # what `make test` runs: every notebook without its `#| slow` and `#| cuda` cells
    python tools/test.py --flags slow    # `make test-all` (and CI): the slow cells too
    python tools/test.py --flags "slow cuda"   # `make test-gpu`, on a machine with a CUDA GPU

Prints one line per check and a closing `tests: N passed, M failed, K skipped` line; exits non-zero on any failure.
Each notebook is one test. A check that could not run here is counted as skipped, by name, never as passed: the
browser test without chromium, every `trainlab.files.skip_test(reason)` a notebook called (a tmpfs needs root, a
CPU without native bf16, ...), and each notebook's cells of a flag this run left out.
"""
import os, sys, json, shutil, subprocess, tempfile, time, filecmp, argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
results = []  # (name, outcome, seconds, detail): outcome is 'PASS', 'FAIL' or 'SKIP'
SKIP_STATUS = 77  # the exit status a check script uses to say "could not run here" (automake's convention)
TEST_FLAGS = ('slow', 'cuda')  # pyproject.toml's tst_flags: cells nbdev-test runs only when asked
FLAG_WHY = dict(slow='long, `make test-all` runs them', cuda='they need a CUDA GPU, `make test-gpu` runs them on one')
KEEP_VARS = {'TRAINLAB_CACHE'}  # where the data sets are: the one TRAINLAB_* setting a test may see

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--flags', default='', help=f'nbdev test flags to run as well, space-separated: {" ".join(TEST_FLAGS)}')
    p.add_argument('--json', help='also write the outcome to this JSON file (counts, each check, wall time, machine)')
    args = p.parse_args()
    args.flags = args.flags.split()
    if bad := set(args.flags) - set(TEST_FLAGS): p.error(f'unknown flags {sorted(bad)}; known: {" ".join(TEST_FLAGS)}')
    return args

def record(name, outcome, seconds, msg=None):
    results.append((name, outcome, seconds, msg))
    print(f"{outcome} {name} ({seconds:.0f}s){'' if msg is None else ': ' + str(msg)}", flush=True)

class Skipped(str):
    "Returned by a check that could not run on this machine; the text says why."

def check(name):
    "Record the outcome of the decorated check (it returns a failure message, or None when it passed)."
    def deco(fn):
        t = time.time()
        try: msg = fn()
        except Exception as e: msg = f'{type(e).__name__}: {e}'
        record(name, 'PASS' if msg is None else 'SKIP' if isinstance(msg, Skipped) else 'FAIL', time.time() - t, msg)
        return fn
    return deco

ARGS = parse_args()
T0 = time.time()

def _diff_trees(a, b):
    cmp = filecmp.dircmp(a, b, ignore=['__pycache__'])
    out = [f'{a}/{n}' for n in cmp.left_only + cmp.right_only + cmp.diff_files]
    for sub in cmp.common_dirs: out += _diff_trees(Path(a)/sub, Path(b)/sub)
    return out

@check('nbdev-export of nbs/ reproduces trainlab/ exactly')
def _():
    with tempfile.TemporaryDirectory() as d:
        for p in ('nbs', 'pyproject.toml', 'trainlab'):
            src = ROOT/p
            (shutil.copytree if src.is_dir() else shutil.copy)(src, Path(d)/p)
        shutil.rmtree(Path(d)/'trainlab')
        (Path(d)/'trainlab').mkdir()
        shutil.copy(ROOT/'trainlab'/'__init__.py', Path(d)/'trainlab'/'__init__.py')
        subprocess.run([BIN/'nbdev-export'], cwd=d, check=True, capture_output=True)
        drift = _diff_trees(ROOT/'trainlab', Path(d)/'trainlab')
    return f'out of step with the notebooks: {drift} (run nbdev-export and commit)' if drift else None

def imported_packages(pkg:Path) -> set:
    "Top-level names of the third-party modules that the package's files import."
    import ast
    names = set()
    for f in pkg.rglob('*.py'):
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.Import): names |= {a.name.split('.')[0] for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module: names.add(n.module.split('.')[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != pkg.name}

@check('every package trainlab imports is declared in pyproject.toml')
def _():
    import tomllib, importlib.metadata as md, re
    declared = {re.split(r'[<>=!~\[; ]', d)[0].lower().replace('_', '-') for d in tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['dependencies']}
    dists = md.packages_distributions()
    missing = sorted(f'{m} ({"/".join(dists.get(m, ["?"]))})' for m in imported_packages(ROOT/'trainlab')
                     if not {d.lower().replace('_', '-') for d in dists.get(m, [m])} & declared)
    return f'imported but not declared: {", ".join(missing)}' if missing else None

@check('README.md is generated from nbs/index.ipynb')
def _():
    r = subprocess.run([sys.executable, ROOT/'tools'/'readme.py', '--check'], capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr or r.stdout).strip()

@check('every number the README and the docs pages state comes from a bench/ JSON (tools/claims.py)')
def _():
    sys.path.insert(0, str(ROOT/'tools'))
    from claims import check as claims_check
    return claims_check()

def notebooks():
    from nbdev.doclinks import nbglob
    return sorted(Path(p) for p in nbglob(ROOT/'nbs', as_path=True) if not (Path(p).parent/'.notest').exists())

def flag_cells(nb:Path) -> dict:
    "How many cells of `nb` carry each nbdev test flag (`#| slow`, `#| cuda`)."
    counts = {}
    for c in json.loads(nb.read_text())['cells']:
        if c['cell_type'] != 'code': continue
        for line in ''.join(c['source']).splitlines():
            if not line.startswith('#|'): break
            for f in line[2:].split():
                if f in TEST_FLAGS: counts[f] = counts.get(f, 0) + 1
    return counts

def clean_env(skip_log:Path) -> dict:
    "The environment a notebook runs in: none of the user's TRAINLAB_* settings (the data cache aside), one thread per worker."
    env = {k: v for k, v in os.environ.items() if not k.startswith('TRAINLAB_') or k in KEEP_VARS}
    # one thread per notebook worker: torch's default of one per core oversubscribes the cores and slows every cell
    return dict(env, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'), TRAINLAB_SKIP_LOG=str(skip_log))

def run_notebook(nb:Path, flags:list, logs:Path) -> tuple:
    "Run one notebook with nbdev-test; `(nb, passed, seconds, skip reasons, error tail)`."
    skip_log = logs/f'{nb.stem}.skips.jsonl'
    t = time.time()
    r = subprocess.run([BIN/'nbdev-test', str(nb), *(['--flags', ' '.join(flags)] if flags else [])], cwd=ROOT,
                       env=clean_env(skip_log), capture_output=True, text=True)
    skips = [json.loads(l)['reason'] for l in skip_log.read_text().splitlines()] if skip_log.exists() else []
    return nb, r.returncode == 0, time.time() - t, skips, (r.stdout + r.stderr)[-4000:]

def run_notebooks(flags:list) -> None:
    "Every notebook, two at a time; one result per notebook, one skip per check a notebook skipped or a flag left out."
    from concurrent.futures import ThreadPoolExecutor, as_completed
    nbs = sorted(notebooks(), key=lambda p: -p.stat().st_size)  # big ones first: the two workers end closer together
    workers = min(os.cpu_count() or 1, 2)
    with tempfile.TemporaryDirectory() as d, ThreadPoolExecutor(workers) as pool:
        for done in as_completed([pool.submit(run_notebook, nb, flags, Path(d)) for nb in nbs]):
            nb, ok, secs, skips, tail = done.result()
            name = str(nb.relative_to(ROOT))
            if not ok: sys.stderr.write(f'\n---- {name}\n{tail}\n')
            record(name, 'PASS' if ok else 'FAIL', secs, None if ok else 'nbdev-test failed (its error is above)')
            for reason in skips: record(name, 'SKIP', 0, reason)
            for flag, n in flag_cells(nb).items():
                if flag not in flags: record(name, 'SKIP', 0, f'{n} {flag} cell{"s" if n > 1 else ""}: {FLAG_WHY[flag]}')

@check('docs site builds and shows in headless Chromium')
def _():
    r = subprocess.run([sys.executable, ROOT/'tools'/'docs.py', 'test'], cwd=ROOT)
    if r.returncode == SKIP_STATUS: return Skipped("chromium or chromedriver is not installed ('sudo make system' installs them)")
    return None if r.returncode == 0 else 'see the output above'


run_notebooks(ARGS.flags)

def tested_commit() -> str|None:
    "The commit the suite ran on, `+dirty` when the tree had changes (a JSON of results says what it measured)."
    r = subprocess.run(['git', 'describe', '--always', '--dirty=+dirty', '--abbrev=12'], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() or None

n = {o: sum(1 for r in results if r[1] == o) for o in ('PASS', 'FAIL', 'SKIP')}
if n['SKIP']:
    print('\nskipped here:')
    for name, outcome, _, msg in results:
        if outcome == 'SKIP': print(f'  {name}: {msg}')
print(f"\ntests: {n['PASS']} passed, {n['FAIL']} failed, {n['SKIP']} skipped")
if ARGS.json:
    import platform
    Path(ARGS.json).write_text(json.dumps(dict(
        passed=n['PASS'], failed=n['FAIL'], skipped=n['SKIP'], flags=ARGS.flags, wall_seconds=time.time() - T0, commit=tested_commit(),
        cpus=os.cpu_count(), machine=platform.platform(), python=platform.python_version(),
        checks=[dict(name=name, outcome=o, seconds=round(s, 1), detail=None if m is None else str(m)) for name, o, s, m in results]), indent=1))
sys.exit(1 if n['FAIL'] else 0)
