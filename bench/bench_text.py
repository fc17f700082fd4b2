"""Text task measurements (issue 16): 5-fold macro-F1 on VADER's 23,703 sentences next to TF-IDF + LR in the same folds,
the NYT loss ablation (CE / weighted CE / focal) in the same folds, and inference speed (ONNX Runtime vs PyTorch eager).

Every k-fold run is a real `trainlab kfold` of nbs/train/text.ipynb (runs under bench/tmp/, git-ignored).
Run under the shared CPU lock:  flock /work/wt/cpu.lock nice python bench/bench_text.py [kfold] [ablation] [inference]
Writes bench/text_kfold.json, bench/text_ablation.json, bench/text_inference.json.
"""
import os, sys, json, time, shutil, platform, subprocess, statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT/'nbs'/'train'/'text.ipynb'
RUNS = ROOT/'bench'/'tmp'/'text_runs'
CODE = 'import sys; from trainlab.cli import main; sys.exit(main())'
# the training budget of every fold: a small one (the machine is 2 shared CPU cores), said in the JSON
BUDGET = ['-p', 'epochs', '6', '-p', 'patience', '2', '-p', 'threads', '2']

def kfold(name, *params, k=5):
    "Run `trainlab kfold` and return its k-fold folder and wall time."
    t = time.time()
    r = subprocess.run([sys.executable, '-c', CODE, 'kfold', str(NB), '-k', str(k), *BUDGET, *params, '--name', name,
                        '--runs-dir', str(RUNS)], capture_output=True, text=True, cwd=ROOT)
    if r.returncode: sys.exit(f'{name}: {r.stdout[-2000:]}{r.stderr[-2000:]}')
    return Path(r.stdout.strip().splitlines()[-1].split('k-fold folder: ')[-1]), time.time() - t

def results(kdir):
    return json.loads((kdir/'kfold_results.json').read_text())

def pm(res, name): return dict(mean=res['mean'][name], std=res['std'][name], folds=[f['metrics'][name] for f in res['folds']])

def bench_kfold():
    kdir, wall = kfold('vader-5fold')
    res = results(kdir)
    names = ['test_macro_f1', 'test_accuracy', 'peer_macro_f1', 'peer_accuracy'] + [n for n in res['metrics'] if n.startswith('test_f1_')]
    out = dict(what='5-fold stratified CV on all 23,703 VADER sentences (rating, 5 classes); ours = bag of words + hashed bigrams '
                    '(d_model 64), peer = TF-IDF (1-2 grams) + logistic regression, both on the same training examples of each fold, '
                    'C / early stopping chosen on the same validation examples, scored on the held-out fold',
               budget=' '.join(BUDGET[1::3][i] + '=' + BUDGET[2::3][i] for i in range(len(BUDGET) // 3)),
               k=res['k'], seed=res['seed'], wall_s=wall, fold_seconds=res['seconds'], best_fold=res['best_fold'],
               epochs=[f['epochs'] for f in res['folds']], metrics={n: pm(res, n) for n in names},
               class_counts=json.loads((kdir/'folds.json').read_text())['classes'], machine=platform.processor() or platform.machine())
    (ROOT/'bench'/'text_kfold.json').write_text(json.dumps(out, indent=2) + '\n')
    return kdir

def bench_ablation():
    out = dict(what='NYT editorial subset (5,190 sentences; very positive 50 vs neutral 2,402), 5-fold, the same folds for every loss '
                    '(same labels, same seed); rarest class = very positive', runs={})
    folds = None
    for loss, extra in (('ce', []), ('weighted_ce', []), ('focal', ['-p', 'focal_gamma', '2.0'])):
        kdir, wall = kfold(f'nyt-{loss}', '-p', 'subset', 'nyt', '-p', 'loss', loss, *extra)
        f = json.loads((kdir/'folds.json').read_text())['fold']
        assert folds is None or f == folds, 'the folds differ between losses'
        folds, res = f, results(kdir)
        out['runs'][loss] = dict(macro_f1=pm(res, 'test_macro_f1'), rarest_f1=pm(res, 'test_f1_very_positive'),
                                 accuracy=pm(res, 'test_accuracy'), peer_macro_f1=pm(res, 'peer_macro_f1'), wall_s=wall)
    out['same_folds'] = True
    (ROOT/'bench'/'text_ablation.json').write_text(json.dumps(out, indent=2) + '\n')

def bench_inference(kdir):
    import numpy as np, torch
    from trainlab.tasks.text import export, load_examples
    from trainlab.tasks.text_model import TextClassifierPredictor
    torch.set_num_threads(1)
    best = next(kdir.glob('*-fold1'))/'checkpoints'/'best.pt'
    out_dir = RUNS/'onnx-export'
    export(best, out_dir, 'onnx', force=True)
    texts = load_examples('vader')[0][:2048]
    preds = dict(torch=TextClassifierPredictor.from_checkpoint(best), onnx=TextClassifierPredictor.from_checkpoint(out_dir))
    for p in preds.values(): p.predict(texts[:256])  # warm up
    res = {}
    for name, p in preds.items():
        t = time.perf_counter(); p.predict(texts, batch_size=64); s64 = time.perf_counter() - t
        lat = []
        for x in texts[:500]:
            t = time.perf_counter(); p.predict([x], batch_size=1); lat.append(time.perf_counter() - t)
        lat.sort()
        res[name] = dict(sentences_per_s_batch64=len(texts) / s64, batch1_p50_ms=1e3 * lat[len(lat) // 2], batch1_p95_ms=1e3 * lat[int(len(lat) * .95)])
    _, pa = preds['torch'].predict(texts[:512]); _, pb = preds['onnx'].predict(texts[:512])
    out = dict(what='TextClassifierPredictor.predict (tokenizing included) on VADER sentences, 1 thread, fold-1 best.pt vs its ONNX export',
               n_texts=len(texts), threads=1, results=res, onnx_over_torch_batch64=res['onnx']['sentences_per_s_batch64'] / res['torch']['sentences_per_s_batch64'],
               max_prob_diff=float(np.abs(pa - pb).max()), onnx_bytes=(out_dir/'model.onnx').stat().st_size)
    (ROOT/'bench'/'text_inference.json').write_text(json.dumps(out, indent=2) + '\n')

if __name__ == '__main__':
    parts = sys.argv[1:] or ['kfold', 'ablation', 'inference']
    kdir = bench_kfold() if 'kfold' in parts else max(RUNS.glob('*-vader-5fold'))
    if 'inference' in parts: bench_inference(kdir)
    if 'ablation' in parts: bench_ablation()
