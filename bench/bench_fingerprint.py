"""Benchmark trainlab.checkpoint.data_fingerprint on CMUdict: the cost of hashing every item of the g2p DataLoaders.

Writes bench/bench_fingerprint.json next to this file. `data_fingerprint` runs at every checkpoint save (once an epoch) and at
resume. Reported: the median of 7 timed calls after one warm-up, on the g2p task's default split and batch size, plus the
items hashed per second. For scale, `first_last_s` times the fingerprint it replaced (split sizes and the first and last item
only), which could not see a change to any other example.
Usage: python bench/bench_fingerprint.py
"""
import os, json, time, hashlib, platform, statistics
from pathlib import Path
import torch
from trainlab.tasks.g2p import g2p_data, G2P_DEFAULTS
from trainlab.checkpoint import data_fingerprint, _loaders, _feed

def first_last(dls) -> str:
    "The old fingerprint: split sizes and the first and last item of each split."
    h = hashlib.sha256()
    for i, dl in enumerate(_loaders(dls)):
        ds = dl.dataset
        _feed(h, f'{i}:{len(ds)}'); _feed(h, (ds[0], ds[len(ds) - 1]))
    return h.hexdigest()[:16]

def median_s(f, n=7) -> float:
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

if __name__ == '__main__':
    data = g2p_data('cmudict')
    dls = data.dataloaders(G2P_DEFAULTS['batch_size'], 'first', 50)
    items = sum(len(dl.dataset) for dl in _loaders(dls))
    s = median_s(lambda: data_fingerprint(dls))
    out = dict(machine=dict(python=platform.python_version(), torch=torch.__version__, cpus=os.cpu_count(),
                            torch_threads=torch.get_num_threads(), loadavg=list(os.getloadavg())),
               dataset='cmudict (g2p default split: train + valid loaders)', items=items,
               sizes=data_fingerprint(dls)['sizes'], median_s=round(s, 4), items_per_s=round(items / s),
               first_last_s=round(median_s(lambda: first_last(dls)), 6))
    Path(__file__).with_name('bench_fingerprint.json').write_text(json.dumps(out, indent=2) + '\n')
    print(json.dumps(out, indent=2))
