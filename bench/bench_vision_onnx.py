"""Vision inference on the CPU: ONNX Runtime vs PyTorch eager, side by side on the same model and images.

    python bench/bench_vision_onnx.py runs/<run>/checkpoints/best.pt      # the default run's model
    python bench/bench_vision_onnx.py --arch resnet10t                    # fresh weights (speed does not depend on them)

The checkpoint is exported with `trainlab.tasks.vision.export(..., format='onnx')` (the dynamo exporter, dynamic batch
axis) into a temporary folder; both backends then run through the same `Classifier` code path's model call on the same
normalised Fashion-MNIST test images, with the same thread count. Reported: batch-1 latency p50/p95 over `--iters`
single images, and batch-256 throughput (images/s, median of `--rounds` passes over 2,560 images), the two backends
interleaved round by round so that a load change on a shared machine hits both alike; and the largest logit gap on
the whole test set (parity). Writes bench/vision_onnx.json.
"""
import argparse, json, os, platform, statistics, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np
import torch
import onnxruntime as ort
from trainlab.checkpoint import build_checkpoint, save_checkpoint, new_checkpoint
from trainlab.tasks.vision import vision_data, vision_learner, export
from trainlab.tasks.vision_model import Classifier, normalize

HERE = Path(__file__).parent

def torch_run(model, x):
    with torch.inference_mode(): return model(torch.from_numpy(x)).numpy()

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint', nargs='?', help='a vision checkpoint (default: fresh weights of --arch)')
    p.add_argument('--arch', default='resnet10t')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--iters', type=int, default=300, help='batch-1 calls per backend')
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--out', default=str(HERE/'vision_onnx.json'))
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    data = vision_data('fashion_mnist')
    with tempfile.TemporaryDirectory() as d:
        ck = a.checkpoint
        if ck is None:
            torch.manual_seed(0)
            ck = save_checkpoint(build_checkpoint(vision_learner(data, arch=a.arch, device='cpu'), kind='final'), Path(d)/'fresh.pt')
        t = time.perf_counter()
        folder = export(ck, Path(d)/'onnx', format='onnx')
        export_s = time.perf_counter() - t
        clf_t = Classifier.from_checkpoint(ck)
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = a.threads, 1
        sess = ort.InferenceSession(str(folder/'model.onnx'), so, providers=['CPUExecutionProvider'])
        onnx_bytes = (folder/'model.onnx').stat().st_size
    model = clf_t.model.eval()
    x_all = normalize(data.test[0], clf_t.mean, clf_t.std)
    name = sess.get_inputs()[0].name
    def ort_run(x): return sess.run(None, {name: x})[0]
    gap = max(float(np.abs(ort_run(x_all[i:i + 500]) - torch_run(model, x_all[i:i + 500])).max()) for i in range(0, len(x_all), 500))
    backends = {'pytorch_eager': lambda x: torch_run(model, x), 'onnxruntime': ort_run}
    lat = {k: [] for k in backends}
    thr = {k: [] for k in backends}
    x256 = [x_all[i:i + 256] for i in range(0, 2560, 256)]
    for k, f in backends.items(): f(x_all[:256]); f(x_all[:1])  # warm-up
    for r in range(a.rounds):
        for k, f in backends.items():
            for i in range(a.iters // a.rounds):
                x1 = x_all[(r * a.iters + i) % len(x_all)][None]
                t = time.perf_counter(); f(x1); lat[k].append(time.perf_counter() - t)
            t = time.perf_counter()
            for xb in x256: f(xb)
            thr[k].append(2560 / (time.perf_counter() - t))
    def pct(v, q): return float(np.percentile(np.array(v) * 1000, q))
    res = {k: dict(batch1_ms_p50=pct(lat[k], 50), batch1_ms_p95=pct(lat[k], 95), batch256_images_per_s=statistics.median(thr[k]))
           for k in backends}
    out = dict(checkpoint=str(a.checkpoint) if a.checkpoint else f'fresh {a.arch}', arch=clf_t.config['model']['arch'],
               parameters=sum(p.numel() for p in model.parameters()), onnx_bytes=onnx_bytes, export_seconds=export_s,
               threads=a.threads, iters=a.iters, rounds=a.rounds, max_abs_logit_gap_test=gap, n_test=len(x_all), results=res,
               speedup_onnx_batch1_p50=res['pytorch_eager']['batch1_ms_p50'] / res['onnxruntime']['batch1_ms_p50'],
               speedup_onnx_batch256=res['onnxruntime']['batch256_images_per_s'] / res['pytorch_eager']['batch256_images_per_s'],
               machine=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), torch=torch.__version__, onnxruntime=ort.__version__))
    Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
    print(json.dumps(out, indent=1))

if __name__ == '__main__': main()
