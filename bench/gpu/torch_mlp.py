#!/usr/bin/env python3
"""PyTorch's half of bench/gpu/run.sh, and the table.

Trains the same MLP 784-256-256-10 (ReLU, SGD with momentum 0.9, cross-entropy) in PyTorch eager
mode, on random data already on the GPU, batches gathered on the device from a per-epoch
permutation, the loss read back every 16 steps (as BatchLab reads its losses), and measures
samples/s by the wall clock after a warm-up, with torch.cuda.synchronize() at both ends.
With --ours FILE (batchlab-bench-gpu's JSON lines) it prints the comparison table.
"""
import argparse
import json
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", default="1,8,64,512,4096,32768")
    p.add_argument("--rows", type=int, default=65536)
    p.add_argument("--samples", type=float, default=4.0e6,
                   help="samples per batch size (steps = samples / batch, 50 to 20000)")
    p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls (as cuda.tf32)")
    p.add_argument("--ours", help="batchlab-bench-gpu output (JSON lines) to compare with")
    p.add_argument("--json", help="also write PyTorch's numbers here, one JSON object a line")
    return p.parse_args()


def steps_for(batch, samples):
    return int(min(max(samples / batch, 50), 20000))


def measure(torch, batch, args, x, y):
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rows = x.shape[0]
    per_epoch = rows // batch  # drop_last, as the BatchLab run
    steps = steps_for(batch, args.samples)
    warmup = min(steps // 5, 200)
    perm = torch.randperm(rows, device="cuda")
    last_loss = float("nan")
    start = None
    for step in range(steps):
        if step == warmup:
            torch.cuda.synchronize()
            start = time.perf_counter()
        k = step % per_epoch
        if k == 0:
            perm = torch.randperm(rows, device="cuda")
        idx = perm[k * batch:(k + 1) * batch]
        loss = loss_fn(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 16 == 15:
            last_loss = loss.item()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"batch": batch, "samples_per_s": (steps - warmup) * batch / seconds,
            "steps": steps, "loss": last_loss}


def table(ours, theirs, device, torch_version, tf32):
    lines = [
        f"MLP 784-256-256-10, SGD momentum 0.9, random data on the device; "
        f"{device}; PyTorch {torch_version}; TF32 {'on' if tf32 else 'off'}",
        "",
        "| batch | BatchLab samples/s | PyTorch eager samples/s | ratio | BatchLab share of cuBLAS GEMM rate |",
        "|------:|-------------------:|------------------------:|------:|-----------------------------------:|",
    ]
    for t in theirs:
        o = ours.get(t["batch"])
        if o is None:
            lines.append(f"| {t['batch']} | – | {t['samples_per_s']:,.0f} | – | – |")
            continue
        ratio = o["samples_per_s"] / t["samples_per_s"]
        lines.append(f"| {t['batch']} | {o['samples_per_s']:,.0f} | {t['samples_per_s']:,.0f} | "
                     f"{ratio:.2f}× | {100 * o['gemm_share']:.0f}% |")
    lines += ["", "Targets: ≥ 3× PyTorch at batch ≤ 64, ≥ 1.1× at batch ≥ 4096. The GEMM share is "
              "cuBLAS's time for the step's eight GEMMs (replayed from a graph) over BatchLab's "
              "whole step time."]
    return "\n".join(lines)


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch_mlp.py: PyTorch is not installed (pip install torch)")
    if not torch.cuda.is_available():
        sys.exit("torch_mlp.py: PyTorch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    batches = [int(b) for b in args.batches.split(",")]
    gen = torch.Generator(device="cuda").manual_seed(1)
    x = torch.randn(args.rows, 784, device="cuda", generator=gen)
    y = torch.randint(0, 10, (args.rows,), device="cuda", generator=gen)
    theirs = []
    for b in batches:
        result = measure(torch, b, args, x, y)
        theirs.append(result)
        print(f"pytorch batch {b}: {result['samples_per_s']:,.0f} samples/s", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            for r in theirs:
                f.write(json.dumps(r) + "\n")
    device = torch.cuda.get_device_name(0)
    if args.ours:
        ours = {}
        with open(args.ours) as f:
            for line in f:
                if line.strip():
                    o = json.loads(line)
                    ours[o["batch"]] = o
        print(table(ours, theirs, device, torch.__version__, args.tf32))
    else:
        for r in theirs:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
