"""The main job as `make run` runs it: `trainlab run nbs/train/g2p.ipynb` with its defaults, recorded from its run folder.

    python bench/bench_g2p_default.py                      # about 10 minutes on 2 idle cores -> bench/g2p_default.json
    python bench/bench_g2p_default.py --from-run runs/ID   # collect a finished `make run` folder instead of training
    python bench/bench_g2p_default.py -p precision bf16 --out bench/g2p_default_bf16.json   # a variant of the default

The run goes into runs/ (named bench-g2p-default) and is kept. Its record, read back from the run's files by
`bench/g2p_runs.py`: test PER/WER with and without stress against the first and the closest pronunciation, the
validation curve, epochs, seconds per epoch, training seconds, the whole command's wall time, torch threads,
sample pronunciations and the machine (CPU, cores, load before and after). The scores depend on the thread count
(float sums in another order) and the times on the machine and its load, so the JSON says where they came from.
"""
import argparse, json
from pathlib import Path
from g2p_runs import ROOT, NOTEBOOK, run_g2p, collect, machine
from trainlab.files import read_json

HERE = Path(__file__).parent

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('-p', nargs=2, action='append', default=[], metavar=('NAME', 'VALUE'), help='a parameter for the notebook')
    p.add_argument('--from-run', help='a finished run folder of the notebook to collect, instead of training')
    p.add_argument('--runs-dir', default=str(ROOT/'runs'))
    p.add_argument('--out', default=str(HERE/'g2p_default.json'))
    a = p.parse_args(argv)
    before = machine()
    if a.from_run:
        run_dir, wall = Path(a.from_run), None
        status = read_json(run_dir/'status.json')
        cmd = ' '.join(['trainlab run', NOTEBOOK] + [f'-p {k} {json.dumps(read_json(run_dir/"params.json")[k])}' for k in status.get('given', [])])
    else:
        run_dir, wall, cmd = run_g2p(a.p, 'bench-g2p-default', Path(a.runs_dir))
    sample_words = read_json(run_dir/'params.json').get('sample_words')
    rec = collect(run_dir, cmd, wall if wall is not None else float('nan'), sample_words)
    if wall is None:  # collected from a run made before: not timed here, and this machine's load says nothing about it
        rec['command_s'] = None
        before.pop('load_avg')
    else: before['load_avg_after'] = machine()['load_avg']
    rec = dict(what="`make run`'s command (the G2P defaults), recorded from its run folder by bench/bench_g2p_default.py",
               **rec, machine=before,
               note=('Scores depend on the torch thread count (float sums in another order) and on the platform; the times '
                     'on the machine and its load (load_avg before and after). Not a deterministic result across machines.'))
    out = Path(a.out)
    out.write_text(json.dumps(rec, indent=1) + '\n')
    t = rec['test']['greedy_first_ref']
    print(f"{cmd}: {rec['epochs']} epochs, {rec['train_s']:.0f} s of training; test PER {t['per']:.1%}, WER {t['wer']:.1%} -> {out}")

if __name__ == '__main__': main()
