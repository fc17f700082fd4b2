"""Length bucketing for G2P: trainlab's `BucketDL` vs fastai's `SortedDL` (fastai.text), on the default run's training set.

    python bench/bench_g2p_batches.py

For each loader, one shuffled epoch of batch 64: the share of padding in the letters and the phonemes (padding is
arithmetic thrown away; the model's step cost grows with the padded lengths) and the seconds to draw and collate
the epoch's batches. `SortedDL` sorts by one key (here letters + phonemes); `BucketDL` sorts by (letters, phonemes).
A random order (no bucketing) is the reference. Writes bench/g2p_batches.json.
"""
import json, os, platform, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import torch
from fastai.text.data import SortedDL
from fastai.data.load import DataLoader
from trainlab.tasks.g2p import g2p_data, BucketDL, PairDataset, G2P_DEFAULTS
from trainlab.tasks.g2p_model import pad_collate

HERE = Path(__file__).parent

def measure(dl):
    "Padding share of letters and phonemes over one epoch, the seconds the epoch's batches took, and the batch count."
    t, pad, tot, n = time.perf_counter(), [0, 0], [0, 0], 0
    for src, tin, _ in dl:
        for k, x in enumerate((src, tin)): pad[k] += int((x == 0).sum()); tot[k] += x.numel()
        n += 1
    return dict(pad_letters=round(pad[0] / tot[0], 4), pad_phonemes=round(pad[1] / tot[1], 4),
                pad_all=round(sum(pad) / sum(tot), 4), epoch_batches_s=round(time.perf_counter() - t, 3), batches=n)

def main():
    torch.manual_seed(0)
    data, bs = g2p_data('cmudict', seed=42), G2P_DEFAULTS['batch_size']
    ds = PairDataset(data.pairs(data.train))
    loaders = dict(
        random=DataLoader(ds, bs=bs, shuffle=True, drop_last=True, create_batch=pad_collate),
        bucket_dl=BucketDL(ds, bs=bs, shuffle=True, drop_last=True, chunk=50),
        sorted_dl=SortedDL(ds, sort_func=lambda it: len(it[0]) + len(it[1]), bs=bs, shuffle=True, drop_last=True, create_batch=pad_collate))
    res = {k: measure(dl) for k, dl in loaders.items()}
    res = {k: measure(dl) for k, dl in loaders.items()}  # the second epoch: warm
    out = dict(batch_size=bs, n_train=len(ds), loaders=res, machine=dict(cpu=platform.processor() or platform.machine(),
               cpu_count=os.cpu_count(), torch=torch.__version__, load_avg_after=[round(x, 2) for x in os.getloadavg()]))
    (HERE/'g2p_batches.json').write_text(json.dumps(out, indent=1))
    for k, v in res.items(): print(f"{k:10s} padding {v['pad_all']:.1%} (letters {v['pad_letters']:.1%}, phonemes {v['pad_phonemes']:.1%}), "
                                   f"{v['batches']} batches in {v['epoch_batches_s']:.2f} s")

if __name__ == '__main__': main()
