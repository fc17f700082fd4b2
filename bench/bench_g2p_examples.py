"""The README's two short G2P examples, run for real: the quick check and the Russian example CSV.

    python bench/bench_g2p_examples.py            # both, about 1 minute of training each on 2 idle cores
    python bench/bench_g2p_examples.py quick      # one of them

Each example is the README's own command, `trainlab run nbs/train/g2p.ipynb ...`, run from the repository root
into a temporary runs folder; its record (test PER/WER with and without stress, against the first and the closest
pronunciation, epochs, steps, seconds per epoch, the whole command's wall time, threads, sample pronunciations)
is read back from the run folder's files by `bench/g2p_runs.py`. Writes bench/g2p_examples.json (merging: an
example not run this time keeps its last record).
"""
import argparse, json, tempfile
from pathlib import Path
from g2p_runs import run_g2p, collect, machine

HERE = Path(__file__).parent
OUT = HERE/'g2p_examples.json'
EXAMPLES = {
    'quick': dict(params=[('max_samples', 20000), ('epochs', 4)], samples=['sunshine', 'grapheme', 'blorft']),
    'ru': dict(params=[('data', 'examples/ru_ipa.csv')], samples=None),
}

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('examples', nargs='*', help=f'which of {list(EXAMPLES)} (default: all)')
    p.add_argument('--out', default=str(OUT))
    a = p.parse_args(argv)
    if bad := set(a.examples) - set(EXAMPLES): p.error(f'unknown example(s) {sorted(bad)}; known: {list(EXAMPLES)}')
    out = Path(a.out)
    res = json.loads(out.read_text()) if out.exists() else {}
    res['what'] = ("The README's G2P examples run by bench/bench_g2p_examples.py: each record is read from the run "
                   "folder of the README's command (a fresh run, seed 42).")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.examples or list(EXAMPLES):
            ex = EXAMPLES[name]
            m0 = machine()
            run_dir, wall, cmd = run_g2p(ex['params'], name, Path(tmp))
            res[name] = collect(run_dir, cmd, wall, ex['samples']) | dict(machine=m0 | dict(load_avg_after=machine()['load_avg']))
            t = res[name]['test']['greedy_first_ref']
            print(f"{name}: {res[name]['epochs']} epochs in {res[name]['train_s']} s ({wall:.0f} s for the command); "
                  f"test PER {t['per']:.1%}, WER {t['wer']:.1%}", flush=True)
    out.write_text(json.dumps(res, indent=1) + '\n')
    print(f'-> {out}')

if __name__ == '__main__': main()
