"""Knowledge distillation on Fashion-MNIST: teacher, student alone, student + KD, several seeds, short CPU budgets.

    python bench/bench_vision_kd.py                                   # 3 seeds, teacher 3 epochs, students 3 epochs
    python bench/bench_vision_kd.py --seeds 0 --teacher-epochs 1 --student-epochs 1 --max-samples 5000   # a smoke run
    python bench/bench_vision_kd.py --teacher-checkpoint runs/<default run>/checkpoints/best.pt --out bench/vision_kd_default_teacher.json

For each seed: the teacher (timm's resnet10t, 4.9M parameters) trains with the library's defaults; its checkpoint then
teaches the student (timm's test_resnet, 0.37M parameters) with Hinton's loss (`teacher=`, temperature and alpha as
given); the same student with the same seed, epochs and schedule trains without the teacher: the control. Everything
runs on the official split of the training notebook (54,000 train / 6,000 valid) and is scored once on the 10,000
official test images. Reported per model: test top-1 of each seed, mean and sample standard deviation, parameters,
training images/s (images seen per second of fit) and inference images/s (test set, batch 512). Results are written
after every seed, so a cut-short run keeps what it measured. Writes bench/vision_kd.json.
With `--teacher-checkpoint`, every seed's student learns from that one teacher (e.g. the default 10-minute run's
best.pt) instead of a teacher trained here; the teacher row is then that checkpoint, scored once (no training speed).
"""
import argparse, json, os, platform, statistics, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np
import torch
from fastai.callback.schedule import *  # fit_one_cycle
from trainlab.repro import seed_everything
from trainlab.checkpoint import build_checkpoint, save_checkpoint
from trainlab.tasks.vision import vision_data, vision_learner, topk_accuracy, VISION_DEFAULTS
from trainlab.tasks.vision_model import Classifier

HERE = Path(__file__).parent

def train(data, seed, epochs, lr, **kw):
    "A fitted learner and its fit seconds."
    seed_everything(seed)
    learn = vision_learner(data, device='cpu', **kw)
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    return learn, time.perf_counter() - t

def score(learn, data, fit_s, epochs):
    clf = Classifier(learn.model, learn.trainlab_config)
    t = time.perf_counter()
    z = clf.logits(data.test[0], bs=512)
    infer_s = time.perf_counter() - t
    return dict(test_top1=float(topk_accuracy(z, data.test[1])), fit_seconds=fit_s,
                train_images_per_s=len(data.train[1]) * epochs / fit_s, infer_images_per_s=len(data.test[1]) / infer_s,
                parameters=sum(p.numel() for p in learn.model.parameters()))

def score_checkpoint(path, data):
    "A trained checkpoint's test top-1 and inference speed (its training speed is not measured here)."
    clf = Classifier.from_checkpoint(path)
    t = time.perf_counter()
    z = clf.logits(data.test[0], bs=512)
    return dict(test_top1=float(topk_accuracy(z, data.test[1])), fit_seconds=None, train_images_per_s=None,
                infer_images_per_s=len(data.test[1]) / (time.perf_counter() - t), parameters=sum(p.numel() for p in clf.model.parameters()),
                checkpoint=str(path))

def summary(runs):
    acc = [r['test_top1'] for r in runs]
    return dict(n=len(acc), mean=statistics.mean(acc), std=statistics.stdev(acc) if len(acc) > 1 else None,
                parameters=runs[0]['parameters'], train_images_per_s=statistics.median(r['train_images_per_s'] for r in runs) if runs[0]['train_images_per_s'] else None,
                infer_images_per_s=statistics.median(r['infer_images_per_s'] for r in runs))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--teacher', default='resnet10t')
    p.add_argument('--student', default='test_resnet')
    p.add_argument('--teacher-epochs', type=int, default=3)
    p.add_argument('--student-epochs', type=int, default=3)
    p.add_argument('--lr', type=float, default=VISION_DEFAULTS['lr'])
    p.add_argument('--temperature', type=float, default=4.0)
    p.add_argument('--alpha', type=float, default=0.5)
    p.add_argument('--max-samples', type=int, default=None)
    p.add_argument('--teacher-checkpoint', help='one trained teacher for every seed (default: train one per seed)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', default=str(HERE/'vision_kd.json'))
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    runs = {'teacher': [], 'student': [], 'student_kd': []}
    with tempfile.TemporaryDirectory() as d:
        for seed in a.seeds:
            data = vision_data('fashion_mnist', seed=42, max_samples=a.max_samples)  # one split for every seed: only the training varies
            if a.teacher_checkpoint:
                ck = a.teacher_checkpoint
                if not runs['teacher']: runs['teacher'].append(dict(seed=None, **score_checkpoint(ck, data)))
            else:
                teacher, s = train(data, seed, a.teacher_epochs, a.lr, arch=a.teacher)
                runs['teacher'].append(dict(seed=seed, **score(teacher, data, s, a.teacher_epochs)))
                ck = save_checkpoint(build_checkpoint(teacher, kind='final'), Path(d)/f'teacher{seed}.pt')
            student, s = train(data, seed, a.student_epochs, a.lr, arch=a.student)
            runs['student'].append(dict(seed=seed, **score(student, data, s, a.student_epochs)))
            kd, s = train(data, seed, a.student_epochs, a.lr, arch=a.student, teacher=ck, kd_temperature=a.temperature, kd_alpha=a.alpha)
            runs['student_kd'].append(dict(seed=seed, **score(kd, data, s, a.student_epochs)))
            out = dict(settings=dict(vars(a), data='fashion_mnist (54,000 train / 6,000 valid / 10,000 official test)'),
                       summary={k: summary(v) for k, v in runs.items()}, runs=runs,
                       machine=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), torch=torch.__version__))
            sm = out['summary']
            out['kd_gain_points'] = 100 * (sm['student_kd']['mean'] - sm['student']['mean'])
            out['kd_gain_per_seed_points'] = [100 * (k['test_top1'] - s['test_top1']) for k, s in zip(runs['student_kd'], runs['student'])]
            Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
            print(f"seed {seed}: " + ', '.join(f"{k} {100 * v[-1]['test_top1']:.2f}% ({v[-1]['fit_seconds'] or 0:.0f} s)" for k, v in runs.items()), flush=True)
    print(json.dumps(out['summary'], indent=1), f"\nKD gain: {out['kd_gain_points']:+.2f} points; per seed {out['kd_gain_per_seed_points']}")

if __name__ == '__main__': main()
