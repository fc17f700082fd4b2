"""The whole test suite behind `make test`: package freshness, README freshness, every notebook, the docs site.

Prints one line per check and a closing `tests: N passed, M failed, K skipped` line; exits non-zero on any failure.
A check that could not run here (the browser test without chromium) is counted as skipped, never as passed.
"""
import os, sys, shutil, subprocess, tempfile, time, filecmp
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
results = []  # (name, outcome, seconds, detail): outcome is 'PASS', 'FAIL' or 'SKIP'
SKIP_STATUS = 77  # the exit status a check script uses to say "could not run here" (automake's convention)

class Skipped(str):
    "Returned by a check that could not run on this machine; the text says why."

def check(name):
    "Record the outcome of the decorated check (it returns a failure message, or None when it passed)."
    def deco(fn):
        t = time.time()
        try: msg = fn()
        except Exception as e: msg = f'{type(e).__name__}: {e}'
        outcome = 'PASS' if msg is None else 'SKIP' if isinstance(msg, Skipped) else 'FAIL'
        results.append((name, outcome, time.time() - t, msg))
        print(f"{outcome} {name} ({time.time() - t:.0f}s){'' if msg is None else ': ' + str(msg)}", flush=True)
        return fn
    return deco

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

def notebooks():
    from nbdev.doclinks import nbglob
    return sorted(Path(p) for p in nbglob(ROOT/'nbs', as_path=True) if not (Path(p).parent/'.notest').exists())

NB_CHECK = 'nbdev-test: every notebook in nbs/'
nb_failed = []
@check(NB_CHECK)
def _():
    workers = min(os.cpu_count() or 1, 2)
    # one thread per notebook worker: torch's default of one per core oversubscribes the cores and slows every cell
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    r = subprocess.run([BIN/'nbdev-test', '--timing', '--n-workers', str(workers)], cwd=ROOT, env=env,
                       stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode == 0: return None
    marker = 'nbdev Tests Failed On The Following Notebooks:'
    tail = r.stderr.split(marker)[-1] if marker in r.stderr else ''
    nb_failed.extend(l.strip() for l in tail.splitlines() if l.startswith('\t'))
    return f'failed: {", ".join(nb_failed) or "see above"}'

@check('docs site builds and shows in headless Chromium')
def _():
    r = subprocess.run([sys.executable, ROOT/'tools'/'docs.py', 'test'], cwd=ROOT)
    if r.returncode == SKIP_STATUS: return Skipped('chromium or chromedriver is not installed (bash .ci/run installs them)')
    return None if r.returncode == 0 else 'see the output above'

nb_ok = all(outcome == 'PASS' for name, outcome, *_ in results if name == NB_CHECK)
if not nb_ok and not nb_failed: nb_failed.append('(unparsed)')
other = [outcome for name, outcome, *_ in results if name != NB_CHECK]
passed = other.count('PASS') + len(notebooks()) - len(nb_failed)  # each notebook counts as one test
failed, skipped = other.count('FAIL') + len(nb_failed), other.count('SKIP')
print(f'\ntests: {passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if failed else 0)
