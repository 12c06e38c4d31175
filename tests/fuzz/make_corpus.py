#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (the inputs fuzz_entry.h describes).

Seeds are small valid files plus the edge cases each parser has an error for. Inputs the fuzzers
found (crashes fixed since) are kept beside them as found-*: this script never deletes files, it
only (re)writes the seed-* ones. Run it from anywhere: python3 tests/fuzz/make_corpus.py
"""
import gzip
import json
import os
import pathlib
import sqlite3
import struct
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / f"seed-{name}").write_bytes(data)


# ---- IDX: [u16 LE n][images: n bytes][labels: the rest] ----

def idx_images(count, h, w, pixels=None, magic=0x00000803):
    body = bytes(pixels) if pixels is not None else bytes((i * 37) % 256 for i in range(count * h * w))
    return struct.pack(">IIII", magic, count, h, w) + body


def idx_labels(count, labels=None, magic=0x00000801):
    body = bytes(labels) if labels is not None else bytes(i % 10 for i in range(count))
    return struct.pack(">II", magic, count) + body


def pair(images, labels):
    return struct.pack("<H", len(images)) + images + labels


def real_fashion(count):
    """The first `count` images and labels of Debian's Fashion-MNIST, when it is installed."""
    d = pathlib.Path("/usr/share/datasets/fashion-mnist")
    try:
        with gzip.open(d / "t10k-images-idx3-ubyte.gz") as f:
            head = f.read(16 + count * 784)
        with gzip.open(d / "t10k-labels-idx1-ubyte.gz") as f:
            lab = f.read(8 + count)
    except OSError:
        return None
    images = struct.pack(">IIII", 0x803, count, 28, 28) + head[16:]
    labels = struct.pack(">II", 0x801, count) + lab[8:]
    return images, labels


IDX = {
    "valid-3x2x2": pair(idx_images(3, 2, 2), idx_labels(3)),
    "valid-empty": pair(idx_images(0, 28, 28), idx_labels(0)),
    "valid-1x28x28": pair(idx_images(1, 28, 28), idx_labels(1, [9])),
    "valid-10x3x5": pair(idx_images(10, 3, 5), idx_labels(10)),
    "bad-image-magic": pair(idx_images(2, 2, 2, magic=0x00000801), idx_labels(2)),
    "bad-label-magic": pair(idx_images(2, 2, 2), idx_labels(2, magic=0x00000803)),
    "truncated-header": pair(idx_images(2, 2, 2)[:10], idx_labels(2)),
    "truncated-pixels": pair(idx_images(2, 2, 2)[:-3], idx_labels(2)),
    "truncated-labels": pair(idx_images(2, 2, 2), idx_labels(2)[:-1]),
    "trailing-data": pair(idx_images(2, 2, 2) + b"\x00", idx_labels(2)),
    "count-mismatch": pair(idx_images(2, 2, 2), idx_labels(3)),
    "zero-width": pair(struct.pack(">IIII", 0x803, 1, 2, 0), idx_labels(1)),
    "huge-size": pair(struct.pack(">IIII", 0x803, 1, 0xFFFF, 0xFFFF), idx_labels(1)),
    "huge-count": pair(struct.pack(">IIII", 0x803, 0xFFFFFFFF, 1, 1) + b"\x01\x02", idx_labels(2)),
    "label-255": pair(idx_images(2, 1, 1), idx_labels(2, [255, 0])),
    "empty": b"",
}
real = real_fashion(2)
if real:
    IDX["real-fashion-2"] = pair(*real)
for name, data in IDX.items():
    put("idx", name, data)

# ---- IDX gzipped: [mode][u16 LE n][images][labels]; mode bit 0: gzip both here ----
for name in ("valid-3x2x2", "valid-1x28x28", "truncated-pixels", "trailing-data"):
    put("idx_gz", "deflate-" + name, bytes([1 | (6 << 1)]) + IDX[name])
images, labels = idx_images(4, 3, 3), idx_labels(4)
gz_i, gz_l = gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)
put("idx_gz", "gzip-valid", b"\x00" + pair(gz_i, gz_l))
put("idx_gz", "gzip-images-raw-labels", b"\x00" + pair(gz_i, labels))
put("idx_gz", "gzip-truncated", b"\x00" + pair(gz_i[: len(gz_i) // 2], gz_l))
bad = bytearray(gz_i)
bad[12] ^= 0xFF
put("idx_gz", "gzip-corrupt", b"\x00" + pair(bytes(bad), gz_l))
put("idx_gz", "gzip-bad-crc", b"\x00" + pair(gz_i[:-8] + b"\0\0\0\0" + gz_i[-4:], gz_l))
put("idx_gz", "gzip-magic-only", b"\x00" + pair(b"\x1f\x8b", gz_l))
put("idx_gz", "gzip-two-members", b"\x00" + pair(gzip.compress(images[:10], mtime=0) +
                                                  gzip.compress(images[10:], mtime=0), gz_l))
if real:
    put("idx_gz", "gzip-real-fashion-2",
        b"\x00" + pair(gzip.compress(real[0], mtime=0), gzip.compress(real[1], mtime=0)))

# ---- CSV ----
CSV = {
    "iris-like": "sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n"
                 "7.0,3.2,versicolor\n6.4,3.2,versicolor\n6.3,3.3,virginica\n5.8,2.7,virginica\n",
    "regression": "x1,x2,y\n0.5,1,1.25\n-1,2e3,3.5\n+7,0,-0.125\n1,1,2\n2,2,4\n",
    "integer-labels": "a,b,label\n1,2,10\n3,4,2\n5,6,10\n7,8,-1\n",
    "quoted": '"a, with comma","b ""quoted""",y\n"1","2",yes\n"3","4","no\nline"\n5,6,yes\n',
    "crlf-bom": "\ufeffa,b,y\r\n1,2,0\r\n3,4,1\r\n5,6,0\r\n",
    "trailing-blank-lines": "a,y\n1,0\n2,1\n3,0\n\n\n",
    "blank-inside": "a,y\n1,0\n\n2,1\n",
    "missing-value": "a,b,y\n1,,0\n2,3,1\n",
    "na-tokens": "a,y\nNA,0\n",
    "ragged-short": "a,b,y\n1,2\n",
    "ragged-long": "a,b,y\n1,2,3,4\n",
    "non-numeric-feature": "a,y\nabc,1\n",
    "unclosed-quote": 'a,y\n"1,0\n',
    "header-only": "a,b,y\n",
    "one-column": "y\n1\n2\n",
    "empty": "",
    "float-overflow": "a,y\n1e39,0\n2,1\n",
    "double-overflow": "a,y\n1e400,0\n",
    "constant-column": "a,b,y\n1,5,0\n1,6,1\n1,7,0\n1,8,1\n1,9,0\n",
    "mixed-target": "a,y\n1,0\n2,1.5\n3,cat\n",
    "quote-then-text": 'a,y\n"1"2,0\n',
    "cr-alone": "a,y\r1,0\r2,1\r",
    "tabs-spaces": "a , b ,y\n 1\t, 2 , 0 \n3,4,1\n",
    "many-classes": "a,y\n" + "".join(f"{i},{i}\n" for i in range(60)),
    "huge-integer-label": "a,y\n1,99999999999999999999\n2,3\n",
}
for name, text in CSV.items():
    put("csv", name, text)

# ---- run configs: the shipped presets plus edge cases; '\0' then --set assignments ----
presets = sorted((ROOT / "resources" / "presets").glob("*.json"))
for p in presets:
    put("run_config", "preset-" + p.stem, p.read_bytes())
spirals = (ROOT / "resources" / "presets" / "spirals-mlp.json").read_text()
RUN = {
    "empty-object": "{}",
    "array": "[]",
    "not-json": "{\"dataset\": ",
    "minimal": '{"dataset": {"kind": "spirals"}, "stop": {"epochs": 1}}',
    "csv-no-path": '{"dataset": {"kind": "csv"}, "stop": {"epochs": 1}}',
    "unknown-key": '{"dataset": {"kind": "spirals"}, "optimizer": {"lrr": 0.1}, "stop": {"epochs": 1}}',
    "wrong-type": '{"dataset": {"kind": "spirals"}, "batch": {"size": "64"}, "stop": {"epochs": 1}}',
    "number-overflow": '{"dataset": {"kind": "spirals"}, "optimizer": {"lr": 1e999}, "stop": {"epochs": 1}}',
    "huge-integer": '{"dataset": {"kind": "spirals"}, "batch": {"size": 18446744073709551615}, "stop": {"epochs": 1}}',
    "negative-target-index": '{"dataset": {"kind": "csv", "path": "x.csv", "target": -1}, "stop": {"epochs": 1}}',
    "target": '{"dataset": {"kind": "spirals"}, "stop": {"target": {"metric": "val_loss", "value": 0.1}}, "eval": {"every_steps": 5}}',
    "nested-value": '{"dataset": [[[[{"a": [1, 2, {"b": null}]}]]]], "stop": {"epochs": 1}}',
    "with-sets": spirals + "\0batch.size=16\0stop.target.value=0.5\0device=cpu\0model.hidden=[8,8]",
    # b"\xff": a byte that is not UTF-8, as a shell can pass it to --set
    "set-bad": spirals.encode() + b"\0nokey\0=1\0optimizer.lrr=1\0model.hidden=\xff\0name=\xfe",
    "set-null-section": '{"dataset": {"kind": "spirals"}, "stop": {"epochs": 1, "target": null}}\0stop.target.metric=val_loss',
    "set-into-scalar": '{"dataset": {"kind": "spirals"}, "stop": 3}\0stop.epochs=2',
    "parallel": '{"dataset": {"kind": "spirals"}, "batch": {"size": 63}, "parallel": {"replicas": 4, "overlap": false}, "stop": {"epochs": 1}}',
    "parallel-devices": '{"dataset": {"kind": "spirals"}, "parallel": {"replicas": 2, "devices": ["cpu", "cpu"]}, "stop": {"epochs": 1}}',
    "parallel-sets": spirals + "\0parallel.replicas=3\0parallel.overlap=true\0batch.size=7",
    "parallel-bad": '{"dataset": {"kind": "spirals"}, "parallel": {"replicas": 0, "overlap": "yes"}, "stop": {"epochs": 1}}',
}
for name, text in RUN.items():
    put("run_config", name, text)

# ---- sweep configs ----
for p in sorted((ROOT / "resources" / "presets" / "sweeps").glob("*.json")):
    put("sweep_config", "preset-" + p.stem, p.read_bytes())
base = '{"dataset": {"kind": "spirals"}, "stop": {"epochs": 1}}'
SWEEP = {
    "list": '{"base": %s, "batch_sizes": [8, 32, 128], "learning_rates": [0.01, 0.1], "repeats": 2}' % base,
    "pow2": '{"base": %s, "batch_sizes": {"pow2_from": 1, "to": 1073741824}}' % base,
    "pow2-bad": '{"base": %s, "batch_sizes": {"pow2_from": 3, "to": 2}}' % base,
    "rule": '{"base": %s, "batch_sizes": [16], "lr_scaling": {"rule": "sqrt", "base_batch": 16, "warmup_epochs": 1}}' % base,
    "no-base": '{"batch_sizes": [16]}',
    "duplicate-batch": '{"base": %s, "batch_sizes": [16, 16]}' % base,
    "parallel": '{"base": {"dataset": {"kind": "spirals"}, "parallel": {"replicas": 2}, "stop": {"epochs": 1}}, "batch_sizes": [2, 16, 64]}',
    "bad-base": '{"base": {"dataset": {"kind": "spirals"}, "optimizer": {"lr": -1}, "stop": {"epochs": 1}}, "batch_sizes": [16]}',
    "stochastic-base": '{"base": {"dataset": {"kind": "spirals"}, "batch": {"strategy": "stochastic"}, "stop": {"epochs": 1}}, "batch_sizes": [16]}',
    "many-runs": '{"base": %s, "batch_sizes": {"pow2_from": 1, "to": 1073741824}, "learning_rates": [%s], "repeats": 1000}'
                 % (base, ", ".join(str(0.001 * (i + 1)) for i in range(40))),
    "with-sets": '{"base": %s, "batch_sizes": [8]}\0repeats=3\0batch_sizes=[4,8]\0base.optimizer.lr=0.5' % base,
}
for name, text in SWEEP.items():
    put("sweep_config", name, text)

# ---- serving configs: the shipped serving presets plus edge cases ----
for p in sorted((ROOT / "resources" / "presets" / "serving").glob("*.json")):
    put("serving_config", "preset-" + p.stem, p.read_bytes())
SERVING = {
    "run-preset-model": '{"model": {"preset": "spirals-mlp"}, "workload": {"rate": 100}}',
    "inline-model": '{"model": {"config": %s}, "workload": {"rate": 50, "arrivals": "bursts", "burst_size": 4}}' % base,
    "no-rate": '{"model": {"preset": "spirals-mlp"}, "batcher": {"mode": "dynamic", "max_batch": 8}}',
    "bad-mode": '{"model": {"preset": "spirals-mlp"}, "workload": {"rate": 1}, "batcher": {"mode": "fastest"}}',
    "sweep": '{"model": {"preset": "spirals-mlp"}, "sweep": {"rates": [10, 100], "modes": ["realtime", "dynamic"], "max_batch": [4, 16]}}',
    "negative": '{"model": {"preset": "spirals-mlp"}, "workload": {"rate": -5, "duration_s": -1}}',
    "run-config-only": base,
}
for name, text in SERVING.items():
    put("serving_config", name, text)

# ---- serving traces: arrival times in seconds, one per line ----
TRACE = {
    "plain": "0\n0.001\n0.002\n0.5\n",
    "header-commas": "time_s,client\n0.0,a\n0.25,b\n0.25,c\n1.0,a\n",
    "comments-blanks": "# recorded 2026-12-01\n\n0.1\n\n# pause\n0.2\n",
    "decreasing": "0.2\n0.1\n",
    "negative": "-1\n",
    "not-number": "0.1\nsoon\n",
    "empty": "",
    "huge": "1e308\n1e309\n",
}
for name, text in TRACE.items():
    put("serving_trace", name, text)

# ---- lessons: the bundled lessons plus a broken case for each rule of lesson_io ----
for p in sorted((ROOT / "resources" / "lessons").glob("*.json")):
    put("lesson", "bundled-" + p.stem, p.read_bytes())
LESSON_STEP = {
    "title": "One step",
    "runs": [{"preset": "spirals-mlp", "set": ["batch.size=8"]},
             {"preset": "spirals-mlp", "set": ["batch.size=64"]}],
    "plots": ["loss", {"name": "accuracy", "size": "large"}],
    "prediction": {"question": "Which ends more accurate?",
                   "choices": [{"text": "small", "run": "B = 8"}, {"text": "large", "run": "B = 64"}]},
    "point_at": "the accuracy plot", "takeaway": "It loads.",
    "outcome": {"kind": "highest_final_accuracy"},
}


def lesson(step_edit=None, top_edit=None):
    step = json.loads(json.dumps(LESSON_STEP))
    if step_edit:
        step_edit(step)
    top = {"title": "Tiny", "question": "Does it load?", "steps": [step]}
    if top_edit:
        top_edit(top)
    return json.dumps(top)


LESSON = {
    "minimal": lesson(),
    "sweep-batch-rule": lesson(lambda s: s.update(
        runs=[{"sweep": "spirals-batch-sizes", "set": ["batch_sizes=[8,64]"]}],
        prediction={"question": "Where is the knee?",
                    "choices": [{"text": "8", "batch": 8}, {"text": "64", "batch": 64}]},
        outcome={"kind": "throughput_knee"})),
    # Lesson 6's run kind and rule: a serving preset's sweep judged by best_serving_setting.
    "serving-setting-rule": lesson(lambda s: s.update(
        runs=[{"serving": "batch-vs-realtime", "set": ["workload.duration_s=0.5"]}],
        plots=["serving_latency_throughput"],
        prediction={"question": "Which batcher holds 10 ms furthest?",
                    "choices": [{"text": "alone", "setting": {"mode": "realtime"}},
                                {"text": "batched", "setting": {"mode": "dynamic", "max_batch": 64,
                                                                "max_delay_ms": 1}}]},
        outcome={"kind": "best_serving_setting"})),
    "serving-setting-not-swept": lesson(lambda s: s.update(
        runs=[{"serving": "batch-vs-realtime"}],
        plots=["serving_latency_throughput"],
        prediction={"question": "Which?",
                    "choices": [{"text": "alone", "setting": {"mode": "realtime"}},
                                {"text": "sixteen", "setting": {"mode": "fixed", "max_batch": 16}}]},
        outcome={"kind": "best_serving_setting"})),
    "no-title": lesson(top_edit=lambda t: t.pop("title")),
    "no-runs": lesson(lambda s: s.update(runs=[])),
    "unknown-plot": lesson(lambda s: s.update(plots=["histogram"])),
    "one-choice": lesson(lambda s: s["prediction"].update(choices=[{"text": "small", "run": "B = 8"}])),
    "six-choices": lesson(lambda s: s["prediction"].update(
        choices=[{"text": str(i), "run": "B = 8"} for i in range(6)])),
    "unknown-outcome": lesson(lambda s: s.update(outcome={"kind": "best_guess"})),
    "unknown-preset": lesson(lambda s: s["runs"][1].update(preset="no-such-preset")),
    "bad-set": lesson(lambda s: s["runs"][0].update(set=["batch.sizee=8", 3])),
    "wander-no-reference": lesson(lambda s: s.update(outcome={"kind": "most_wandering_path"})),
    "race-no-target": lesson(lambda s: s.update(outcome={"kind": "fastest_to_target"})),
    "preset-and-sweep": lesson(lambda s: s["runs"][0].update(sweep="spirals-batch-sizes")),
    "steps-not-list": '{"title": "x", "question": "y", "steps": {"title": "z"}}',
    "not-json": '{"title": "x", "steps": [',
}
for name, text in LESSON.items():
    put("lesson", name, text)

# ---- store shards for merge: real stores written by batchlab-cli (when it is built), shrunk to
# 512-byte pages, plus files that are not good shards. BATCHLAB_CLI names the executable. ----

def shrink(path):
    """The store as a small single file: no WAL, 512-byte pages, vacuumed."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("PRAGMA page_size = 512")
    db.execute("VACUUM")
    db.close()
    return pathlib.Path(path).read_bytes()


def shard_seeds():
    cli = pathlib.Path(os.environ.get("BATCHLAB_CLI", ROOT / "build" / "engine" / "cli" / "batchlab-cli"))
    if not cli.exists():
        print("merge_shard: no batchlab-cli at", cli, "- shard seeds not rewritten")
        return
    tiny = ["--set", "dataset.samples=24", "--set", "model.hidden=[4]", "--set", "stop.epochs=1",
            "--set", "batch.size=8", "--set", "eval.every_epochs=1"]
    with tempfile.TemporaryDirectory() as tmp:
        one = os.path.join(tmp, "one.sqlite")
        subprocess.run([str(cli), "run", "spirals-mlp", "--db", one, *tiny], check=True,
                       stdout=subprocess.DEVNULL)
        good = shrink(one)
        put("merge_shard", "one-run", good)
        put("merge_shard", "truncated-half", good[: len(good) // 2])
        put("merge_shard", "truncated-header", good[:100])

        def edited(name, *sql):
            path = os.path.join(tmp, name + ".sqlite")
            pathlib.Path(path).write_bytes(good)
            db = sqlite3.connect(path)
            for q in sql:
                db.execute(q)
            db.commit()
            db.close()
            put("merge_shard", name, pathlib.Path(path).read_bytes())

        edited("future-schema", "PRAGMA user_version = 99")
        edited("older-schema-claim", "PRAGMA user_version = 3")
        edited("still-running", "UPDATE runs SET status = 'running'")
        edited("corrupt-model", "UPDATE models SET parameters = x'00010203'")
        edited("no-steps-table", "DROP TABLE steps")
        edited("step-of-missing-run", "UPDATE steps SET run_id = 999")

    other = os.path.join(tempfile.mkdtemp(), "other.sqlite")
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    put("merge_shard", "foreign-sqlite", shrink(other))
    put("merge_shard", "empty", b"")
    put("merge_shard", "text", "runs,steps\n1,2\n")


shard_seeds()

print("seeds written under", CORPUS)
