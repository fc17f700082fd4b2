"""Quality of the default vision run: a real `trainlab run nbs/train/vision.ipynb` (Fashion-MNIST, 10 minutes), collected.

    python bench/bench_vision_quality.py                 # runs the default (10 minutes of training), then collects it
    python bench/bench_vision_quality.py RUN_DIR         # collects a run made already
    python bench/bench_vision_quality.py RUN_DIR --key mixup   # ... under another name in the JSON

Collected from the run folder's files (params.json, plan.json, status.json, report/report.json, report/evaluation.json,
checkpoints/best.pt's model_info): the plan, the per-epoch valid top-1 curve, test top-1/top-5, macro F1, per-class
accuracy, NLL and ECE (15 bins) before and after temperature scaling, the reliability bins, and the machine. The
published anchors the docs page compares with are stored beside it. Writes (updates) bench/vision_quality.json.
"""
import argparse, json, os, platform, subprocess, sys
from pathlib import Path
import torch

HERE = Path(__file__).parent
ANCHORS = {  # Fashion-MNIST test accuracy, as published
    'Zalando benchmark, best classical model (SVC, C=10, RBF)': 0.897,
    'small CNNs (2-3 conv layers), typical range': (0.91, 0.93),
    'ResNet-18': 0.95,
}

def collect(run:Path) -> dict:
    rd = lambda p, d=None: json.loads((run/p).read_text()) if (run/p).is_file() else d
    rep, ev, status, params, plan = rd('report/report.json'), rd('report/evaluation.json'), rd('status.json'), rd('params.json', {}), rd('plan.json')
    ck = torch.load(run/'checkpoints'/'best.pt', map_location='cpu', weights_only=True, mmap=True)
    h = rep['history']
    valid = [dict(epoch=e, train_s=sum(h['seconds'][:i + 1]), top1=m) for i, (e, m) in enumerate(zip(h['epoch'], h['metrics'].get('top1_accuracy', [])))]
    tm = rep['test_metrics']
    return dict(source=f'trainlab run nbs/train/vision.ipynb (run {run.name})', params=params, plan=plan, status=status.get('status'),
                stop_reason=status.get('reason'), arch=ck['config']['model']['arch'], parameters=ck['model_info'].get('params'),
                data=ck['config'].get('data'), precision=ck['config'].get('train', {}).get('precision'),
                epochs=rep['totals']['epochs'], train_s=rep['totals']['train_seconds'], best=rep['best'], valid_curve=valid,
                test={k.removeprefix('test_'): v for k, v in tm.items()},
                per_class={c: dict(accuracy=v['accuracy'], precision=v['precision'], f1=v['f1']) for c, v in ev['per_class'].items()},
                confusion_matrix=ev['confusion_matrix'], classes=ev['classes'], reliability=ev['reliability'],
                machine=dict(cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(), torch=torch.__version__,
                             threads=ck['config'].get('train', {}).get('threads')))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', nargs='?', help='a finished run folder (default: run the default now)')
    p.add_argument('--key', default='default', help='the name of this run in the JSON')
    p.add_argument('--out', default=str(HERE/'vision_quality.json'))
    a = p.parse_args(argv)
    run = Path(a.run) if a.run else None
    if run is None:
        runs = HERE.parent/'runs'
        before = set(runs.iterdir()) if runs.is_dir() else set()
        subprocess.run([sys.executable, '-c', 'import sys; from trainlab.cli import main; sys.exit(main())', 'run', 'nbs/train/vision.ipynb',
                        '--name', 'fmnist-default'], check=True, cwd=HERE.parent)
        run = next(iter(set(runs.iterdir()) - before))
    out = json.loads(Path(a.out).read_text()) if Path(a.out).is_file() else dict(anchors=ANCHORS, runs={})
    out['anchors'] = ANCHORS
    out['runs'][a.key] = collect(run)
    Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
    r = out['runs'][a.key]
    print(f"{a.key}: {r['arch']} {r['epochs']} epochs in {r['train_s'] / 60:.1f} min: test top-1 {100 * r['test']['top1_accuracy']:.2f}%, "
          f"ECE {100 * r['test']['ece']:.2f}% -> {100 * r['test']['ece_scaled']:.2f}% (T={r['test']['temperature']:.3f})")

if __name__ == '__main__': main()
