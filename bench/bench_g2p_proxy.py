"""G2P settings chosen on the validation split: a grid of settings on a 30,000-word proxy of CMUdict, scored on valid.

    python bench/bench_g2p_proxy.py            # the grid below, 3 epochs each: about 10 minutes on 2 idle cores
    python bench/bench_g2p_proxy.py --quick    # a smoke run (3,000 words, 1 epoch, 2 settings) into a temporary file

Each setting trains the default model with fastai's `fit_one_cycle` for the same number of epochs on the same
seeded subset (`max_samples`, split by the task's seeded hash into train / valid / test), then decodes the valid words
(greedy) and the test words once. The choice is made on **validation PER** alone, among the settings whose training
took at most `--max-time-ratio` times the current default's (the defaults are sized for a time budget, so a setting
that is better per epoch but much slower is not a fair pick); test PER is recorded beside it, never used to choose.
Writes bench/g2p_proxy.json: every setting's valid and test scores and seconds, the chosen one, and whether it
differs from the library's defaults (`MODEL_DEFAULTS`, `G2P_DEFAULTS`).
"""
import argparse, json, os, platform, tempfile, time
from pathlib import Path
import torch
from fastai.callback.schedule import *  # noqa: F401  (fit_one_cycle)
from trainlab.tasks.g2p_model import G2P, MODEL_DEFAULTS
from trainlab.tasks.g2p import g2p_data, g2p_learner, evaluate, G2P_DEFAULTS

OUT = Path(__file__).with_name('g2p_proxy.json')
DEFAULT = dict(bs=G2P_DEFAULTS['batch_size'], lr=G2P_DEFAULTS['lr'], dropout=MODEL_DEFAULTS['dropout'],
               label_smoothing=G2P_DEFAULTS['label_smoothing'], enc_layers=MODEL_DEFAULTS['enc_layers'])
# the settings of the first proxy grid (g2p_quality.json `proxy_experiments`, which recorded test PER only), the default among them
GRID = [dict(bs=256, dropout=0.1, lr=4e-3), dict(bs=256, lr=4e-3), dict(bs=256, lr=8e-3), dict(bs=128, lr=4e-3),
        dict(bs=128, lr=3e-3), dict(bs=128, lr=4e-3, label_smoothing=0.0), dict(bs=64, lr=3e-3), dict(bs=64, lr=2e-3),
        dict(bs=64, lr=2e-3, enc_layers=3), dict(bs=32, lr=1.5e-3)]

def scores(r:dict) -> dict: return {k: round(r[k], 4) for k in ('per', 'wer', 'per_no_stress', 'wer_no_stress')}

def train_one(data, setting:dict, epochs:int, seed:int) -> dict:
    "Train one setting; its valid scores (the choice) and test scores (recorded only), and its training seconds."
    cfg = DEFAULT | setting
    torch.manual_seed(seed)
    learn = g2p_learner(data, bs=cfg['bs'], label_smoothing=cfg['label_smoothing'], dropout=cfg['dropout'], enc_layers=cfg['enc_layers'])
    t = time.perf_counter()
    with learn.no_bar(): learn.fit_one_cycle(epochs, cfg['lr'])
    train_s = time.perf_counter() - t
    g = G2P(learn.model, learn.trainlab_config)
    return dict(setting=cfg, steps=learn.train_iter, train_s=round(train_s, 1),
                valid=scores(evaluate(g, data.valid)), test=scores(evaluate(g, data.test)))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--max-samples', type=int, default=30000)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--max-time-ratio', type=float, default=1.15, help="a setting may take at most this times the default's training seconds")
    p.add_argument('--quick', action='store_true', help='smoke run: 3,000 words, 1 epoch, 2 settings, into a temporary file')
    p.add_argument('--out', default=str(OUT))
    a = p.parse_args(argv)
    grid = GRID
    if a.quick:
        a.max_samples, a.epochs, grid = 3000, 1, [dict(bs=64, lr=2e-3), dict(bs=128, lr=4e-3)]
        a.out = str(Path(tempfile.gettempdir())/'g2p_proxy_quick.json')
    torch.set_num_threads(a.threads)
    data = g2p_data('cmudict', seed=a.seed, max_samples=a.max_samples)
    results = []
    for s in grid:
        results.append(train_one(data, s, a.epochs, a.seed))
        r = results[-1]
        print(json.dumps(dict(r['setting'], train_s=r['train_s'], valid_per=r['valid']['per'], test_per=r['test']['per'])), flush=True)
    default = next((r for r in results if r['setting'] == DEFAULT), None)
    budget = default['train_s'] * a.max_time_ratio if default else float('inf')
    eligible = [r for r in results if r['train_s'] <= budget]
    chosen = min(eligible, key=lambda r: r['valid']['per'])
    res = dict(
        what='G2P settings on a CMUdict proxy, chosen on validation PER (greedy, first pronunciation); test PER recorded, not used',
        chosen_on='valid per', max_time_ratio=a.max_time_ratio,
        data=data.info, epochs=a.epochs, seed=a.seed, threads=a.threads,
        default=DEFAULT, results=results, chosen=chosen['setting'],
        chosen_valid_per=chosen['valid']['per'], chosen_test_per=chosen['test']['per'],
        best_valid_per_any_time=min(results, key=lambda r: r['valid']['per'])['setting'],
        differs_from_default=chosen['setting'] != DEFAULT,
        machine=dict(cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(), torch=torch.__version__,
                     load_avg_after=[round(x, 2) for x in os.getloadavg()]))
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    print(f"chosen on valid PER: {chosen['setting']} (valid {chosen['valid']['per']:.2%}, test {chosen['test']['per']:.2%})"
          f"{' -- differs from the defaults ' + json.dumps(DEFAULT) if res['differs_from_default'] else ' = the defaults'} -> {a.out}")

if __name__ == '__main__': main()
