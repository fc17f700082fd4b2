"""Where one epoch of the default G2P run spends its time: the training notebook's learner and `fit_disciplined`
(its callbacks, checkpoints and logs), with every part of the loop timed by wrapping it.

    python bench/profile_g2p.py                # a shortened epoch: 300 training steps (a random 19,200-word subset), full validation
    python bench/profile_g2p.py --steps 0      # the full epoch (~1,800 steps)

Each wrapped part gets its *exclusive* time (a part called inside another is subtracted from the outer one), so the
rows add up to the epoch's wall time. Writes bench/g2p_profile.json and prints a markdown table (also in
bench/g2p_profile.md). Timings are only comparable on the same idle machine; the shares are what to read.
"""
import argparse, collections, json, os, platform, random, sys, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import torch
from fastai.learner import Learner
from fastai.optimizer import Optimizer
from trainlab.callbacks import *  # noqa: F401,F403  (Learner.fit_disciplined)
from trainlab.logging import quiet_progress
import trainlab.tasks.g2p as tg
from trainlab.tasks.g2p import g2p_data, g2p_learner, G2P_DEFAULTS, G2PMetric

HERE = Path(__file__).parent

class Prof:
    "Exclusive wall time per category: a call inside another is charged to itself, not to its caller."
    def __init__(self): self.t, self.n, self.stack = collections.Counter(), collections.Counter(), []
    def call(self, cat, f, *args, **kwargs):
        t0 = time.perf_counter()
        self.stack.append(0.)
        try: return f(*args, **kwargs)
        finally:
            el, inner = time.perf_counter() - t0, self.stack.pop()
            self.t[cat] += el - inner
            self.n[cat] += 1
            if self.stack: self.stack[-1] += el
    def wrap(self, cat, f):
        "`f` timed under `cat` (a string, or a function of no arguments that returns one)."
        return lambda *a, **k: self.call(cat() if callable(cat) else cat, f, *a, **k)

def instrument(learn, prof):
    "Wrap the parts of `learn`'s loop, each under its category."
    phase = lambda: 'train' if learn.training else 'valid'
    m = learn.model
    m.forward = prof.wrap(lambda: f'forward ({phase()})', m.forward)
    learn.loss_func = prof.wrap(lambda: f'loss ({phase()})', learn.loss_func)
    learn._backward = prof.wrap('backward', learn._backward)
    learn._step = prof.wrap('optimizer step', learn._step)
    zg = Optimizer.zero_grad
    Optimizer.zero_grad = lambda self: prof.call('optimizer step', zg, self)
    learn.all_batches = prof.wrap(lambda: f'data loading ({phase()})', learn.all_batches)
    learn.one_batch = prof.wrap('fastai loop', learn.one_batch)
    for dl in learn.dls.loaders: dl.create_batch = prof.wrap(lambda: f'collation ({phase()})', dl.create_batch)
    tg.greedy_decode = prof.wrap('validation decoding (greedy)', tg.greedy_decode)
    acc = G2PMetric.accumulate
    G2PMetric.accumulate = lambda self, l: prof.call('metric computation (PER/WER)', acc, self, l)
    def call_one(event_name):  # fastai's Learner._call_one, each callback timed under its own name
        for cb in learn.cbs.sorted('order'):
            who = 'trainlab' if type(cb).__module__.startswith('trainlab') else 'fastai'
            prof.call(f'{who} callback {type(cb).__name__}', cb, event_name)
    learn._call_one = prof.wrap('fastai loop', call_one)

GROUPS = [  # (row of the table, category prefixes)
    ('forward (train)', ['forward (train)', 'loss (train)']),
    ('backward', ['backward']),
    ('optimizer step + zero_grad', ['optimizer step']),
    ('data loading: collation (pad_collate)', ['collation']),
    ('data loading: iteration, sampling, to device', ['data loading']),
    ('fastai loop and event dispatch', ['fastai loop']),
    ('fastai callbacks', ['fastai callback']),
    ('trainlab callbacks', ['trainlab callback']),
    ('validation forward (loss)', ['forward (valid)', 'loss (valid)']),
    ('validation decoding (greedy)', ['validation decoding']),
    ('metric computation (PER/WER)', ['metric computation']),
    ('other (fit setup, outside the loop)', ['other']),
]

def table(prof, total):
    rows = [(name, sum(v for k, v in prof.t.items() if any(k.startswith(p) for p in pre))) for name, pre in GROUPS]
    return [dict(part=n, s=round(s, 3), share=round(s / total, 4)) for n, s in rows]

def markdown(rows, total, head):
    out = [head, '', '| part | seconds | share |', '|---|---:|---:|']
    out += [f"| {r['part']} | {r['s']:.2f} | {r['share']:.1%} |" for r in rows]
    return '\n'.join(out + [f'| **epoch (wall)** | **{total:.2f}** | 100% |'])

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=300, help='training steps in the epoch (a random subset of the training words); 0: all')
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's, every core)")
    p.add_argument('--out', default=str(HERE/'g2p_profile.json'))
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    data, bs = g2p_data('cmudict', seed=42), G2P_DEFAULTS['batch_size']
    n_train_full = len(data.train)
    if a.steps: data.train = random.Random(0).sample(data.train, a.steps * bs)  # the vocabularies stay those of the full data
    learn = g2p_learner(data, no_stress_metrics=True)  # as nbs/train/g2p.ipynb with its defaults
    quiet_progress(learn, headless=True)
    prof = Prof()
    instrument(learn, prof)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        prof.call('other', learn.fit_disciplined, 1, G2P_DEFAULTS['lr'], run_dir=d, monitor='per', patience=G2P_DEFAULTS['patience'],
                  min_epochs=G2P_DEFAULTS['min_epochs'], config=learn.trainlab_config)
        total = time.perf_counter() - t0
    rows = table(prof, total)
    n_steps = len(learn.dls.train)
    head = (f"One epoch of the default G2P run, {n_steps} training steps of {bs} words"
            f"{f' (shortened from {n_train_full // bs})' if a.steps else ''} + validation of {len(data.valid)} words, "
            f"{torch.get_num_threads()} threads, {total:.1f} s")
    md = markdown(rows, total, head)
    detail = {k: dict(s=round(v, 4), calls=prof.n[k]) for k, v in sorted(prof.t.items(), key=lambda kv: -kv[1])}
    res = dict(steps=n_steps, steps_full_epoch=n_train_full // bs, batch_size=bs, n_valid=len(data.valid), epoch_s=round(total, 2),
               table=rows, detail=detail, machine=dict(cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(),
               threads=torch.get_num_threads(), torch=torch.__version__, load_avg_after=[round(x, 2) for x in os.getloadavg()]))
    Path(a.out).write_text(json.dumps(res, indent=1))
    Path(a.out).with_suffix('.md').write_text(md + '\n')
    print(md)
    print('\ndetail (exclusive seconds, calls):')
    for k, v in detail.items(): print(f"  {k:55s} {v['s']:8.3f} {v['calls']:7d}")

if __name__ == '__main__': main()
