"""Time every pooling method beside the same formula in ``torch.nn.functional`` (one thread).

Run: ``PYTHONPATH=. python benchmarks/bench_pool.py [--repeat N]``. Input: a 512x512x64
float32 HWC array, k=2, s=2. augcli runs through the same path as ``augcli pool x.npy``
(HWC -> plane view -> kernel -> HWC, numpy only); torch gets the same memory as a
channels-last ``(1, 64, 512, 512)`` tensor and runs the formula in float32 with
``torch.set_num_threads(1)``. Each pair is checked to agree before it is timed. Without torch
installed only augcli's times are printed. Writes ``benchmarks/results/pool.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np

from augcli.pool.arrays import from_planes, to_planes
from augcli.pool.registry import METHODS, Geometry, pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import start_benchmark, write_result  # noqa: E402

H = W = 512
C = 64
U_SEED = 0


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in milliseconds."""
    return best_of_each([fn], repeat)[0]


def best_of_each(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Best wall time of each function in ms, runs interleaved so load hits all alike."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [1000 * min(spent) for spent in times]


def torch_formulas(t: object, u: np.ndarray) -> dict[str, tuple[str, Callable[[], object]]]:
    """Method -> (formula, callable) written with torch.nn.functional on the tensor ``t``."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - the usual spelling

    tu = torch.from_numpy(u.astype(np.float32))[None]  # (1, C, Ho, Wo)

    def softmax_pool(g):
        e = torch.exp(g)
        return F.avg_pool2d(e * t, 2) / F.avg_pool2d(e, 2)

    def dpp():
        guide = F.interpolate(F.avg_pool2d(t, 2), scale_factor=2, mode="nearest")
        r = (t - guide) ** 2 + 1e-3
        mean = F.interpolate(F.avg_pool2d(r, 2), scale_factor=2, mode="nearest")
        w = 1.0 + torch.sqrt(r / mean)
        return F.avg_pool2d(w * t, 2) / F.avg_pool2d(w, 2)

    def stochastic():
        n, c, _, _ = t.shape
        cols = F.unfold(t, 2, stride=2).view(n, c, 4, -1)
        cum = cols.cumsum(2)
        total = cum[:, :, -1:]
        index = (cum <= tu.reshape(n, c, 1, -1) * total).sum(2, keepdim=True).clamp(max=3)
        return cols.gather(2, index).view(tu.shape)

    return {
        "max": ("max_pool2d(x, 2)", lambda: F.max_pool2d(t, 2)),
        "avg": ("avg_pool2d(x, 2)", lambda: F.avg_pool2d(t, 2)),
        "gap": ("x.mean((2, 3))", lambda: t.mean((2, 3))),
        "mixed": ("max_pool2d or avg_pool2d (one draw per call)", lambda: F.max_pool2d(t, 2)),
        "stochastic": ("unfold, cumsum, (C <= u*S).sum, gather", stochastic),
        "power": ("lp_pool2d(x, 2, 2)", lambda: F.lp_pool2d(t, 2, 2)),
        "dpp": ("Lite port: avg_pool2d, interpolate, sqrt, avg_pool2d(w*x)/avg_pool2d(w)", dpp),
        "lip": ("avg_pool2d(x*e^x)/avg_pool2d(e^x)", lambda: softmax_pool(t)),
        "softpool": ("avg_pool2d(x*e^x)/avg_pool2d(e^x)", lambda: softmax_pool(t)),
    }


def main() -> None:
    """Print the Markdown table of README's "Pool benchmark"."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start_benchmark()
    rows: list[list[str]] = []
    raw: dict[str, dict[str, object]] = {}
    x = np.random.default_rng(0).random((H, W, C), dtype=np.float32)
    u = np.random.default_rng(U_SEED).random((C, H // 2, W // 2))
    try:
        import torch

        torch.set_num_threads(1)
        base = torch.from_numpy(x).permute(2, 0, 1)[None]  # (1, C, H, W) on x's memory
        layouts = {
            "NCHW": torch_formulas(base.contiguous(), u),
            "NHWC": torch_formulas(base.contiguous(memory_format=torch.channels_last), u),
        }
        version = f", torch {torch.__version__} (1 thread)"
    except ImportError:
        layouts, version = {}, ""
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, Python {platform.python_version()}{version}"
    )
    print(f"input: {H}x{W}x{C} float32 HWC, k=2 s=2, best of {args.repeat}")
    print("torch: the faster of a contiguous NCHW and a channels-last tensor (copies untimed)\n")
    print("| method | augcli ms | torch ms | ratio | torch layout | torch formulation |")
    print("|---|---:|---:|---:|---|---|")
    for name, spec in METHODS.items():
        params = {"u": u} if name == "stochastic" else {}
        if name == "mixed":
            params = {"lambdas": np.asarray(True)}
        geometry = Geometry(2) if spec.geometry is not None else None

        def run(name=name, params=params, geometry=geometry, func=spec.func):
            planes = to_planes(x, "hwc")
            if name in ("stochastic", "mixed"):  # the kernel itself, to inject the draws
                out = func(planes, geometry, **params)
            else:
                out = pool(planes, name, geometry)
            return out if out.ndim == 1 else from_planes(out, "hwc")  # gap: one value per plane

        if not layouts:
            ms = best_of(run, args.repeat)
            print(f"| {name} | {ms:.1f} | | | | |")
            rows.append([name, f"{ms:.1f}", "-", "-", "-", "-"])
            raw[name] = {"augcli_ms": round(ms, 2)}
            continue
        ours = run()
        for formulas in layouts.values():
            label, formula = formulas[name]
            result = formula()[0]
            if result.ndim > 1:
                result = result.permute(*range(1, result.ndim), 0)
            np.testing.assert_allclose(ours, result.numpy(), rtol=2e-4, atol=1e-5, err_msg=name)
        contenders = [run, *(formulas[name][1] for formulas in layouts.values())]
        ms, *torch_ms = best_of_each(contenders, args.repeat)
        times = dict(zip(layouts, torch_ms, strict=True))
        fastest = min(times, key=times.get)
        tms = times[fastest]
        print(f"| {name} | {ms:.1f} | {tms:.1f} | {ms / tms:.2f} | {fastest} | `{label}` |")
        rows.append([name, f"{ms:.1f}", f"{tms:.1f}", f"{ms / tms:.2f}", fastest, f"`{label}`"])
        raw[name] = {"augcli_ms": round(ms, 2), "torch_ms": round(tms, 2), "torch_layout": fastest}
    table = {
        "title": f"Every pooling method beside torch.nn.functional, {H}x{W}x{C} float32, k=2 s=2",
        "columns": ["method", "augcli ms", "torch ms", "augcli / torch", "torch layout",
                    "torch formulation"],
        "rows": rows,
        "notes": (
            f"Best of {args.repeat} interleaved runs, one thread each. torch: the faster of a "
            "contiguous NCHW and a channels-last tensor (copies untimed)"
            + ("" if layouts else "; torch was not installed")
            + "."
        ),
    }  # fmt: skip
    path = write_result("pool", raw, tables=[table], peers=["torch"], repeat=args.repeat)
    print(f"written {path}")


if __name__ == "__main__":
    main()
