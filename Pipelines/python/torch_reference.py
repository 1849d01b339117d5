"""An independent PyTorch reference for the four models, checked against the Swift engine.

Written from docs/METHOD.md (section 2, the packed row; section 5, the models and the bidirectional
layers) and docs/FORMATS.md (the checkpoint's tensors), in plain PyTorch, float64, with autograd:
the recurrences are loops over time, nothing is fused and there is no hand-written backward. It
loads a checkpoint written by `train`, reads the same packed rows (`pack`), computes the mean
cross-entropy and every parameter's gradient, and compares them with what the engine wrote for
the same checkpoint and rows (`train --dump-gradients OUT --checkpoint CKPT --data ROWS --batch B`):

    python3 Pipelines/python/torch_reference.py --case CKPT ROWS DUMP [--case ...] [--self-check]

Each case prints one line per tensor (Swift's and the reference's gradient norm, and
||g_swift - g_torch|| / ||g_torch||) and a summary line; the run fails (exit 1) when a loss differs
by more than 1e-5 relative or a gradient by more than 1e-4 relative in norm. The rows are the
first `birdie.rows` rows of ROWS (the count the dump records), as the dump took them.

A comparison that cannot fail proves nothing, so the reference carries deliberately broken
formulas: `--break NAME` computes the reference with one of them (expect exit 1), and
`--self-check` runs, after the real comparison, every broken formula on the cases it touches and
fails unless each of those cases then misses the tolerance. `--list-breaks` names them.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import birdie_streams as bs  # noqa: E402  (the project's reader of packed rows and checkpoints)

LOSS_TOLERANCE = 1e-5
GRADIENT_TOLERANCE = 1e-4
DTYPE = torch.float64

# docs/METHOD.md section 5 and its details.
RMS_EPSILON = 1e-5
RGLRU_C = 8.0
SQRT_FLOOR = 1.0 / (4 * 1000 ** 2)
ROTARY_BASE = 10000.0
CONV_TAPS = 4
PAD, PREFIX, CAUSAL = 0, 1, 2

RECURRENT = ("gated-ssm", "gated-ssm-plus", "hawk")
# Deliberately wrong formulas: name -> (what changes, which (kind, bidirectional) cases it touches).
BREAKS = {
    "reverse-into-causal": ("the reverse half carries across the whole sample, into and through the causal region",
                            lambda kind, bidi: bidi and kind in RECURRENT),
    "reverse-reads-start": ("the reverse half's last prefix position also reads the START position after it",
                            lambda kind, bidi: bidi and kind in RECURRENT),
    "odd-layers-bidirectional": ("layers 1, 3, ... are the bidirectional ones instead of 0, 2, ...",
                                 lambda kind, bidi: bidi and kind in RECURRENT),
    "rglru-constant-7": ("RG-LRU's log a = -7 r softplus(Lambda) instead of -8",
                         lambda kind, bidi: kind == "hawk"),
    "rglru-damped-reverse-reset": ("RG-LRU's sqrt(1 - a^2) factor is 1 only at a sample's first position, not where the reverse half resets",
                                   lambda kind, bidi: bidi and kind == "hawk"),
    "conv-across-samples": ("the Conv1D reads the previous sample's last tokens",
                            lambda kind, bidi: kind in ("gated-ssm-plus", "hawk")),
    "prefix-attention-causal": ("the transformer's prefix is read causally too",
                                lambda kind, bidi: bidi and kind == "transformer"),
    "rotary-interleaved": ("rotary pairs channels (2i, 2i+1) instead of (i, i + head/2)",
                           lambda kind, bidi: kind == "transformer"),
    "gelu-erf": ("GeLU in its erf form instead of the tanh form",
                 lambda kind, bidi: kind in RECURRENT),
    "loss-per-sample": ("the loss averaged per sample, then over the samples",
                        lambda kind, bidi: True),
}


class Reference:
    """The model of a checkpoint's configuration, as docs/METHOD.md section 5 writes it."""

    def __init__(self, config, params, broken=None):
        self.c, self.p, self.broken = config, params, broken

    def w(self, name):
        return self.p[name]

    # MARK: Row structure (docs/METHOD.md section 2)

    def structure(self, segments, regions):
        B, T = segments.shape
        self.B, self.T = B, T
        real = segments != 0
        same_prev = torch.zeros_like(real)
        same_prev[:, 1:] = (segments[:, 1:] == segments[:, :-1]) & real[:, 1:]
        self.start = real & ~same_prev                       # first position of each sample
        self.forward_keep = same_prev                        # gate zero at each sample start
        prefix = regions == PREFIX
        same_next = torch.zeros_like(real)
        same_next[:, :-1] = (segments[:, :-1] == segments[:, 1:]) & real[:, :-1]
        if self.broken == "reverse-into-causal":
            self.reverse_keep = same_next
        elif self.broken == "reverse-reads-start":
            self.reverse_keep = same_next & prefix
        else:
            # The reverse state carries from t+1 into t only between two prefix positions of one
            # sample: its gate is zero on the causal region and at the prefix's end.
            nxt_prefix = torch.zeros_like(prefix)
            nxt_prefix[:, :-1] = prefix[:, 1:]
            self.reverse_keep = same_next & prefix & nxt_prefix
        self.segments, self.prefix, self.real = segments, prefix, real
        # Position inside the sample (rotary).
        t = torch.arange(T).expand(B, T)
        first = torch.where(self.start, t, torch.zeros_like(t)).cummax(dim=1).values
        self.position = torch.where(real, t - first, torch.zeros_like(t))

    # MARK: Pieces

    def rmsnorm(self, x, gain):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPSILON) * gain

    def gelu(self, x):
        return F.gelu(x, approximate="none" if self.broken == "gelu-erf" else "tanh")

    def conv(self, x, weight, bias):
        """Causal depthwise convolution, kernel 4, inside each sample: y_t = b + sum_j w[3-j] x_{t-j}."""
        y = bias.expand_as(x).clone()
        for j in range(CONV_TAPS):
            shifted = torch.zeros_like(x)
            inside = torch.zeros(self.B, self.T, dtype=torch.bool)
            if j == 0:
                shifted, inside = x, torch.ones_like(inside)
            else:
                shifted[:, j:] = x[:, :-j]
                inside[:, j:] = self.segments[:, j:] == self.segments[:, :-j]
            if self.broken == "conv-across-samples":
                inside = torch.ones_like(inside)
                inside[:, :j] = False
            y = y + inside.unsqueeze(-1) * shifted * weight[CONV_TAPS - 1 - j]
        return y

    def directions(self, channels, bidirectional):
        """(channel slice, keep mask, reverse?) of each scan: the forward half first."""
        if not bidirectional:
            return [(slice(0, channels), self.forward_keep, False)]
        half = channels // 2
        return [(slice(0, half), self.forward_keep, False), (slice(half, channels), self.reverse_keep, True)]

    @staticmethod
    def recurrence(a, x, keep, reverse):
        """h_t = a_t h_prev + x_t where keep_t, else x_t; prev = t-1 (forward) or t+1 (reverse)."""
        T = a.shape[1]
        order = range(T - 1, -1, -1) if reverse else range(T)
        h, out = None, [None] * T
        for t in order:
            if h is None:
                h = x[:, t]
            else:
                h = torch.where(keep[:, t, None], a[:, t] * h + x[:, t], x[:, t])
            out[t] = h
        return torch.stack(out, dim=1)

    def scan(self, a, x, bidirectional):
        parts = [(s, self.recurrence(a[..., s], x[..., s], keep, rev))
                 for s, keep, rev in self.directions(a.shape[-1], bidirectional)]
        return torch.cat([h for _, h in parts], dim=-1)

    # MARK: Mixers

    def gated_ssm(self, x, name, bidirectional):
        s = self.c["state"]
        i, z, o = (x @ self.w(f"{name}.in_proj.weight").T).split(s, dim=-1)
        f = torch.sigmoid(x @ self.w(f"{name}.forget_proj.weight").T + self.w(f"{name}.forget_proj.bias"))
        h = self.scan(f, torch.sigmoid(i) * z, bidirectional)
        return (self.gelu(o) * h) @ self.w(f"{name}.out_proj.weight").T

    def gated_ssm_plus(self, x, name, bidirectional):
        s = self.c["state"]
        o = self.gelu(x @ self.w(f"{name}.o_proj.weight").T)
        xc = self.conv(x, self.w(f"{name}.conv.weight"), self.w(f"{name}.conv.bias"))
        f = torch.sigmoid(xc @ self.w(f"{name}.forget_proj.weight").T + self.w(f"{name}.forget_proj.bias"))
        zv, zg = (xc @ self.w(f"{name}.z_proj.weight").T).split(s, dim=-1)
        h = self.scan(f, zv * torch.sigmoid(zg), bidirectional)
        return (o * h) @ self.w(f"{name}.out_proj.weight").T

    def hawk(self, x, name, bidirectional):
        hw = self.c["state"]
        gate = self.gelu(x @ self.w(f"{name}.gate_proj.weight").T)
        u = self.conv(x @ self.w(f"{name}.x_proj.weight").T, self.w(f"{name}.conv.weight"), self.w(f"{name}.conv.bias"))
        b_a, b_i = self.w(f"{name}.rg_lru.gate.bias").split(hw)
        r = torch.sigmoid(u @ self.w(f"{name}.rg_lru.a_gate.weight").T + b_a)
        i = torch.sigmoid(u @ self.w(f"{name}.rg_lru.input_gate.weight").T + b_i)
        c = 7.0 if self.broken == "rglru-constant-7" else RGLRU_C
        a = torch.exp(-c * r * F.softplus(self.w(f"{name}.rg_lru.lambda")))
        parts = []
        for s, keep, rev in self.directions(hw, bidirectional):
            a_s = a[..., s]
            # sqrt(1 - a^2), its derivative taken at max(1 - a^2, floor); 1 where the state resets.
            z = 1 - a_s * a_s
            floored = z + (torch.clamp(z, min=SQRT_FLOOR) - z).detach()
            m = torch.sqrt(floored) + (torch.sqrt(z) - torch.sqrt(floored)).detach()
            resets = self.start if self.broken == "rglru-damped-reverse-reset" else ~keep
            m = torch.where(resets.unsqueeze(-1), torch.ones_like(m), m)
            parts.append(self.recurrence(a_s, m * i[..., s] * u[..., s], keep, rev))
        h = torch.cat(parts, dim=-1)
        return (gate * h) @ self.w(f"{name}.out_proj.weight").T

    def rotary(self, x):
        """x: (B, T, heads, hd). Rotates pairs by position * base^(-2i/hd), positions from the sample start."""
        hd = x.shape[-1]
        half = hd // 2
        freq = ROTARY_BASE ** (-2 * torch.arange(half, dtype=DTYPE) / hd)
        angle = self.position.to(DTYPE)[..., None] * freq               # (B, T, half)
        cos, sin = torch.cos(angle)[:, :, None, :], torch.sin(angle)[:, :, None, :]
        if self.broken == "rotary-interleaved":
            x0, x1 = x[..., 0::2], x[..., 1::2]
            return torch.stack([x0 * cos - x1 * sin, x1 * cos + x0 * sin], dim=-1).flatten(-2)
        x0, x1 = x[..., :half], x[..., half:]
        return torch.cat([x0 * cos - x1 * sin, x1 * cos + x0 * sin], dim=-1)

    def attention(self, x, name, prefix_lm):
        B, T, d = x.shape
        H = self.c["heads"]
        hd = d // H
        q, k, v = (x @ self.w(f"{name}.qkv_proj.weight").T).split(d, dim=-1)
        q, k, v = (t.reshape(B, T, H, hd) for t in (q, k, v))
        q, k = self.rotary(q), self.rotary(k)
        scores = torch.einsum("bthe,bshe->bhts", q, k) / math.sqrt(hd)
        same = (self.segments[:, :, None] == self.segments[:, None, :]) & self.real[:, :, None]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        allowed = causal.expand(B, T, T)
        if prefix_lm and self.broken != "prefix-attention-causal":
            allowed = allowed | (self.prefix[:, :, None] & self.prefix[:, None, :])
        allowed = same & allowed
        # Padding sees only itself (its output reaches no label; this only avoids an empty softmax).
        allowed = allowed | (torch.eye(T, dtype=torch.bool) & ~self.real[:, :, None])
        scores = scores.masked_fill(~allowed[:, None], float("-inf"))
        out = torch.einsum("bhts,bshe->bthe", torch.softmax(scores, dim=-1), v).reshape(B, T, d)
        return out @ self.w(f"{name}.out_proj.weight").T

    def mlp(self, x, name):
        up = x @ self.w(f"{name}.up_proj.weight").T
        kind = self.c["mlp"]
        if kind == "gelu":
            hidden = self.gelu(up)
        else:
            a, b = up.split(self.c["mlpHidden"], dim=-1)
            hidden = (F.silu(a) if kind == "swiglu" else self.gelu(a)) * b
        return hidden @ self.w(f"{name}.down_proj.weight").T

    # MARK: The model and its loss

    def loss(self, tokens, labels, segments, regions):
        self.structure(segments, regions)
        c = self.c
        E = self.w("embedding.weight")
        x = E[tokens]
        for layer in range(c["layers"]):
            name = f"layers.{layer}"
            parity = 1 if self.broken == "odd-layers-bidirectional" else 0
            bidirectional = c["bidirectional"] and layer % 2 == parity
            y = self.rmsnorm(x, self.w(f"{name}.mixer_norm.weight"))
            if c["kind"] == "gated-ssm":
                x = x + self.gated_ssm(y, f"{name}.mixer", bidirectional)
            elif c["kind"] == "gated-ssm-plus":
                x = x + self.gated_ssm_plus(y, f"{name}.mixer", bidirectional)
            elif c["kind"] == "hawk":
                x = x + self.hawk(y, f"{name}.mixer", bidirectional)
            elif c["kind"] == "transformer":
                x = x + self.attention(y, f"{name}.mixer", c["bidirectional"])
            else:
                raise ValueError(f"unknown model kind {c['kind']}")
            if c["mlp"] != "none":
                x = x + self.mlp(self.rmsnorm(x, self.w(f"{name}.mlp_norm.weight")), f"{name}.mlp")
        logits = self.rmsnorm(x, self.w("final_norm.weight")) @ E.T        # tied output projection
        labelled = labels >= 0
        if self.broken == "loss-per-sample":
            per_token = F.cross_entropy(logits[labelled], labels[labelled], reduction="none")
            sample = (torch.arange(self.B)[:, None] * (segments.max() + 1) + segments)[labelled]
            ids, index = torch.unique(sample, return_inverse=True)
            sums = torch.zeros(len(ids), dtype=DTYPE).index_add(0, index, per_token)
            counts = torch.zeros(len(ids), dtype=DTYPE).index_add(0, index, torch.ones_like(per_token))
            return (sums / counts).mean()
        return F.cross_entropy(logits[labelled], labels[labelled], reduction="mean")


# MARK: The comparison


def relative(a, b):
    """||a - b|| / ||b|| (0 when both are 0)."""
    diff, norm = (a - b).norm().item(), b.norm().item()
    return 0.0 if diff == 0 else (diff / norm if norm > 0 else math.inf)


def load_case(checkpoint, rows_path, dump_path):
    ckpt = bs.load_checkpoint(checkpoint, framework="pt")
    dump = bs.load_checkpoint(dump_path, framework="pt")
    if dump.metadata.get("birdie.precision", "fp32") != "fp32":
        raise SystemExit(f"torch_reference: {dump_path}: the dump was made with {dump.metadata['birdie.precision']} products; "
                         "make it with train --precision fp32")
    if dump.config != ckpt.config:
        raise SystemExit(f"torch_reference: {dump_path}: its model configuration is not {checkpoint}'s")
    count = int(dump.metadata["birdie.rows"])
    rows = bs.read_packed_rows(rows_path)
    if len(rows["tokens"]) < count:
        raise SystemExit(f"torch_reference: {rows_path}: {len(rows['tokens'])} rows, the dump used {count}")
    batch = {k: torch.from_numpy(rows[k][:count]) for k in ("tokens", "labels", "segments", "regions")}
    return ckpt, dump, batch


def describe_rows(batch):
    seg, reg = batch["segments"], batch["regions"]
    samples = [int(len(set(r.tolist()) - {0})) for r in seg]
    return (f"{len(samples)} rows x {seg.shape[1]}, samples per row {samples}, "
            f"prefix {int((reg == PREFIX).sum())}, causal {int((reg == CAUSAL).sum())}, pad {int((reg == PAD).sum())}, "
            f"labelled {int((batch['labels'] >= 0).sum())}")


def packing_problem(batch, bidirectional):
    """Why these rows would not exercise the packed layout (docs/METHOD.md section 2), or None."""
    seg, reg = batch["segments"], batch["regions"]
    for i, (s, r) in enumerate(zip(seg, reg)):
        if len(set(s.tolist()) - {0}) < 2:
            return f"row {i} holds fewer than 2 samples"
        if bidirectional and not ((r == PREFIX).any() and (r == CAUSAL).any()):
            return f"row {i} lacks a prefix or a causal region"
    if not (reg == PAD).any():
        return "no row has padding"
    if bidirectional and not ((reg[:, :-1] == PREFIX) & (reg[:, 1:] == PREFIX) & (seg[:, :-1] == seg[:, 1:])).any():
        return "no sample has a prefix of 2 or more positions"
    return None


def reference_gradients(ckpt, batch, broken=None):
    params = {n: t.to(DTYPE).clone().requires_grad_(True) for n, t in ckpt.tensors.items()}
    model = Reference(ckpt.config, params, broken)
    loss = model.loss(batch["tokens"], batch["labels"], batch["segments"], batch["regions"])
    loss.backward()
    return loss.detach(), {n: p.grad if p.grad is not None else torch.zeros_like(p) for n, p in params.items()}


def compare(ckpt, dump, batch, broken=None, verbose=True):
    """(ok, loss error, max gradient error, name of the worst tensor)."""
    loss, grads = reference_gradients(ckpt, batch, broken)
    swift_loss = dump.tensors["loss"].to(DTYPE).reshape(())
    missing = sorted(set(grads) ^ (set(dump.tensors) - {"loss"}))
    if missing:
        raise SystemExit(f"torch_reference: tensors in only one of the checkpoint and the dump: {', '.join(missing)}")
    loss_error = abs(swift_loss.item() - loss.item()) / abs(loss.item())
    if verbose:
        print(f"  {'tensor':<40} {'shape':<12} {'|g| swift':>12} {'|g| torch':>12} {'rel. error':>10}")
        print(f"  {'loss':<40} {'[1]':<12} {swift_loss.item():>12.6f} {loss.item():>12.6f} {loss_error:>10.2e}"
              f"{'  FAIL' if loss_error > LOSS_TOLERANCE else ''}")
    worst, worst_name = 0.0, ""
    for name, g in grads.items():
        gs = dump.tensors[name].to(DTYPE)
        error = relative(gs, g)
        if error > worst or not worst_name:
            worst, worst_name = error, name
        if verbose:
            shape = "x".join(map(str, g.shape))
            print(f"  {name:<40} {shape:<12} {gs.norm().item():>12.4e} {g.norm().item():>12.4e} {error:>10.2e}"
                  f"{'  FAIL' if error > GRADIENT_TOLERANCE else ''}")
    ok = loss_error <= LOSS_TOLERANCE and worst <= GRADIENT_TOLERANCE
    return ok, loss_error, worst, worst_name


def case_name(config):
    return f"{config['kind']} {'bidirectional' if config['bidirectional'] else 'causal'}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--case", nargs=3, action="append", metavar=("CKPT", "ROWS", "DUMP"), default=[],
                        help="a checkpoint from train, the packed rows, and train --dump-gradients' file for them")
    parser.add_argument("--break", dest="broken", choices=sorted(BREAKS),
                        help="self-check: compute the reference with this deliberately wrong formula (expect failure)")
    parser.add_argument("--self-check", action="store_true",
                        help="after the comparison, run every broken formula on the cases it touches; fail unless each is caught")
    parser.add_argument("--list-breaks", action="store_true", help="list the broken formulas and exit")
    parser.add_argument("--require-packed", action="store_true",
                        help="fail unless every row holds 2 or more samples, some row has padding and, in the "
                             "bidirectional form, every row has a prefix and a causal region")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary lines, not the per-tensor table")
    args = parser.parse_args(argv)
    if args.list_breaks:
        for name, (what, _) in BREAKS.items():
            print(f"{name}\t{what}")
        return 0
    if not args.case:
        parser.error("give at least one --case CKPT ROWS DUMP")
    torch.set_num_threads(args.threads)
    cases = [load_case(*c) for c in args.case]
    failed = []
    summary = []
    for (ckpt, dump, batch), paths in zip(cases, args.case):
        name = case_name(ckpt.config)
        print(f"{name}: {paths[0]} (step {ckpt.step}), {describe_rows(batch)}"
              + (f", BROKEN: {args.broken}" if args.broken else ""))
        problem = packing_problem(batch, ckpt.config["bidirectional"]) if args.require_packed else None
        if problem:
            print(f"  rows: {problem}")
            failed.append(f"{name} (rows: {problem})")
        ok, le, ge, worst = compare(ckpt, dump, batch, args.broken, verbose=not args.quiet)
        summary.append((name, le, ge, worst, ok))
        if not ok:
            failed.append(name)
    print(f"\n{'model':<32} {'loss rel. error':>16} {'max grad rel. error':>20}  worst tensor")
    for name, le, ge, worst, ok in summary:
        print(f"{name:<32} {le:>16.2e} {ge:>20.2e}  {worst}{'' if ok else '  FAIL'}")
    print(f"tolerances: loss {LOSS_TOLERANCE:g}, gradients {GRADIENT_TOLERANCE:g} (relative, in norm)")
    if args.self_check:
        print("\nself-check: each deliberately wrong formula must fail the cases it touches")
        print(f"{'broken formula':<26} {'model':<32} {'loss rel. error':>16} {'max grad rel. error':>20}  caught")
        for broken, (what, touches) in BREAKS.items():
            touched = [c for c in cases if touches(c[0].config["kind"], c[0].config["bidirectional"])]
            if not touched:
                failed.append(f"--break {broken} (no case it touches)")
            for ckpt, dump, batch in touched:
                ok, le, ge, _ = compare(ckpt, dump, batch, broken, verbose=False)
                print(f"{broken:<26} {case_name(ckpt.config):<32} {le:>16.2e} {ge:>20.2e}  {'no: NOT CAUGHT' if ok else 'yes'}")
                if ok:
                    failed.append(f"--break {broken} on {case_name(ckpt.config)} (not caught)")
    if failed:
        print(f"torch_reference: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("torch_reference: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
