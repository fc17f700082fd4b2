# The docs page nbs/tutorials/text.ipynb, as a `# %%` script: `python tools/mknb.py bench/text_page.py nbs/tutorials/text.ipynb` once
# bench/bench_text.py has written bench/text_kfold.json, text_ablation.json and text_inference.json (then add it to nbs/sidebar.yml).

# %% [markdown]
# # Text classification: k-fold quality, focal loss, inference speed
#
# > What the text task reaches on VADER's 23,703 human-rated sentences in a stratified 5-fold run, next to TF-IDF + logistic regression in the same folds; cross-entropy vs class-weighted cross-entropy vs focal loss on the imbalanced NYT subset; and how fast the predictor classifies, with ONNX Runtime and with PyTorch.
#
# The numbers come from `bench/bench_text.py` (real `trainlab kfold` runs of `nbs/train/text.ipynb` on this
# project's 2-core CPU machine, under the shared CPU lock), recorded in `bench/text_*.json`; this page reads them.
#
# **Data.** C.J. Hutto and E.E. Gilbert, *VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
# Media Text*, Eighth International AAAI Conference on Weblogs and Social Media (ICWSM 2014). The rated sentences
# ship in the source distribution of `vaderSentiment` 3.3.2; `make data` fetches them into a cache. The mean
# rating (-4..4) is binned into five classes: very negative (<= -2), negative (-2, -0.5), neutral [-0.5, 0.5],
# positive (0.5, 2), very positive (>= 2).

# %%
import json
from pathlib import Path
import matplotlib.pyplot as plt

# %%
bench = Path('../../bench')
kf = json.loads((bench/'text_kfold.json').read_text())
ab = json.loads((bench/'text_ablation.json').read_text())
inf = json.loads((bench/'text_inference.json').read_text())

# %% [markdown]
# ## 5-fold macro-F1, next to the peer
#
# Both models see exactly the same examples in every fold: trained on the same training examples, early stopping
# (ours) or `C` (the peer's) chosen on the same validation examples, scored once on the held-out fold. The fold
# budget was small (see `budget`): a few epochs, a couple of minutes per fold.

# %%
rows = [(n, f"{m['mean']:.4f} ± {m['std']:.4f}") for n, m in kf['metrics'].items()]
print(f"budget: {kf['budget']}; epochs per fold: {kf['epochs']}; wall {kf['wall_s'] / 60:.1f} min for {kf['k']} folds")
print('\n'.join(f'{n:<28} {v}' for n, v in rows))

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for j, (n, lab) in enumerate((('test_macro_f1', 'ours: bag of n-grams'), ('peer_macro_f1', 'TF-IDF + LR'))):
    m = kf['metrics'][n]
    ax.errorbar(m['mean'], j, xerr=m['std'], fmt='s', color='k', capsize=4)
    ax.plot(m['folds'], [j] * len(m['folds']), 'o', alpha=.6)
ax.set_yticks([0, 1], ['ours: bag of n-grams', 'TF-IDF + LR'])
ax.set_ylim(-.5, 1.5)
ax.set_xlabel('macro-F1 on the held-out fold (dots: folds; square: mean ± std)')
fig.tight_layout()

# %% [markdown]
# ## Loss ablation on the NYT editorials
#
# The NYT subset is 48:1 imbalanced (2,402 neutral, 50 very positive). The three losses train in the same five
# folds (checked: the assignment files are identical); the rarest class is very positive.

# %%
for loss, r in ab['runs'].items():
    print(f"{loss:<12} macro-F1 {r['macro_f1']['mean']:.4f} ± {r['macro_f1']['std']:.4f}   "
          f"very positive F1 {r['rarest_f1']['mean']:.4f} ± {r['rarest_f1']['std']:.4f}   accuracy {r['accuracy']['mean']:.4f}")

# %%
fig, axs = plt.subplots(1, 2, figsize=(8, 2.8), sharey=True)
for ax, key, title in ((axs[0], 'macro_f1', 'macro-F1'), (axs[1], 'rarest_f1', 'very positive F1')):
    for j, (loss, r) in enumerate(ab['runs'].items()):
        ax.errorbar(r[key]['mean'], j, xerr=r[key]['std'], fmt='s', color='k', capsize=4)
        ax.plot(r[key]['folds'], [j] * len(r[key]['folds']), 'o', alpha=.6)
    ax.set_title(title)
axs[0].set_yticks(range(len(ab['runs'])), list(ab['runs']))
fig.tight_layout()

# %% [markdown]
# ## Inference
#
# `TextClassifierPredictor.predict` (tokenizing included), one thread, on VADER sentences: the fold-1 `best.pt`
# with PyTorch eager, and its ONNX export (`trainlab export --format onnx`) with ONNX Runtime.

# %%
for name, r in inf['results'].items():
    print(f"{name:<6} {r['sentences_per_s_batch64']:>9,.0f} sentences/s at batch 64   batch 1: p50 {r['batch1_p50_ms']:.3f} ms, p95 {r['batch1_p95_ms']:.3f} ms")
print(f"ONNX / torch throughput at batch 64: {inf['onnx_over_torch_batch64']:.2f}x; largest probability difference {inf['max_prob_diff']:.1e}")

# %% [markdown]
# ## Resume
#
# A k-fold run killed with SIGKILL in the middle of a fold and continued with `trainlab resume` ends with the
# same weights, history and metrics as one never interrupted: [the k-fold tutorial](text_kfold.html) checks it
# with exact equality (tolerance 0) on every run of the test suite.
