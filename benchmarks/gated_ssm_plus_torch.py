"""PyTorch CPU reference for `make bench-train`: the same gated-ssm-plus model and training step
as `train --model gated-ssm-plus --mlp gelu` (tied embeddings, pre-norm RMSNorm residual blocks of
[gated SSM+ layer with segment-free causal conv, kernel 4] + [MLP, GeLU tanh]), fp32 AdamW.
Made as fast as we could: the scan is either a custom autograd.Function looping over time in
forward and backward (--scan loop), or a parallel (Hillis-Steele) scan of log2(T) vectorised
steps that autograd differentiates (--scan parallel; --check-scan compares the two);
--precision bf16 runs forward and loss under torch.autocast("cpu", dtype=torch.bfloat16) with
the scan kept in fp32; --compile wraps the model in torch.compile (inductor).
Prints one line: tokens/s and the parameter count."""
import argparse, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Scan(torch.autograd.Function):
    """h[t] = f[t] * h[t-1] + z[t] over dim 1 of (batch, time, channels)."""
    @staticmethod
    def forward(ctx, f, z):
        h = torch.empty_like(z)
        prev = torch.zeros_like(z[:, 0])
        for t in range(z.shape[1]):
            prev = torch.addcmul(z[:, t], f[:, t], prev)
            h[:, t] = prev
        ctx.save_for_backward(f, h)
        return h

    @staticmethod
    def backward(ctx, dh):
        f, h = ctx.saved_tensors
        dz = torch.empty_like(dh)
        g = torch.zeros_like(dh[:, 0])
        T = dh.shape[1]
        for t in range(T - 1, -1, -1):
            g = dh[:, t] + (f[:, t + 1] * g if t + 1 < T else 0)
            dz[:, t] = g
        df = torch.zeros_like(f)
        df[:, 1:] = dz[:, 1:] * h[:, :-1]
        return df, dz


def parallel_scan(f, z):
    """h[t] = f[t] * h[t-1] + z[t] over dim 1, by doubling: after the step of offset o, (f[t], z[t])
    hold the product of the last 2o gates and the recurrence from t - 2o + 1 to t. log2(T) steps."""
    T, offset = z.shape[1], 1
    while offset < T:
        z = torch.cat([z[:, :offset], z[:, offset:] + f[:, offset:] * z[:, :-offset]], dim=1)
        f = torch.cat([f[:, :offset], f[:, offset:] * f[:, :-offset]], dim=1)
        offset *= 2
    return z


SCAN = "loop"


def scan(f, z):
    # Under autocast the scan still runs in fp32, as birdie's does.
    with torch.autocast("cpu", enabled=False):
        f, z = f.float(), z.float()
        return Scan.apply(f, z) if SCAN == "loop" else parallel_scan(f, z)


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


class GatedSSMPlus(nn.Module):
    def __init__(self, d, s):
        super().__init__()
        self.o = nn.Linear(d, s, bias=False)
        self.conv = nn.Conv1d(d, d, 4, groups=d, padding=3)
        self.f = nn.Linear(d, s)
        self.zg = nn.Linear(d, 2 * s, bias=False)
        self.out = nn.Linear(s, d, bias=False)
        self.s = s

    def forward(self, x):
        T = x.shape[1]
        o = F.gelu(self.o(x), approximate="tanh")
        xc = self.conv(x.transpose(1, 2))[..., :T].transpose(1, 2)
        f = torch.sigmoid(self.f(xc))
        z, zg = self.zg(xc).split(self.s, dim=-1)
        h = scan(f, z * torch.sigmoid(zg))
        return self.out(o * h)


class MLP(nn.Module):
    def __init__(self, d, m):
        super().__init__()
        self.up = nn.Linear(d, m, bias=False)
        self.down = nn.Linear(m, d, bias=False)

    def forward(self, x):
        return self.down(F.gelu(self.up(x), approximate="tanh"))


class Model(nn.Module):
    def __init__(self, vocab, d, s, layers, mlp):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        nn.init.normal_(self.embed.weight, std=d ** -0.5)   # as birdie's (Libraries/Models/Model.swift)
        self.norms = nn.ModuleList(RMSNorm(d) for _ in range(2 * layers))
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(GatedSSMPlus(d, s))
            self.blocks.append(MLP(d, mlp))
        self.final = RMSNorm(d)

    def forward(self, tokens):
        x = self.embed(tokens)
        for norm, block in zip(self.norms, self.blocks):
            x = x + block(norm(x))
        return self.final(x) @ self.embed.weight.t()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vocab-size", dest="vocab", type=int, default=512)
    p.add_argument("--d-model", type=int, default=256)
    p.add_argument("--state", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--mlp-hidden", type=int, default=1024)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--length", type=int, default=512)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--scan", choices=["loop", "parallel"], default="loop")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--check-scan", action="store_true", help="compare the two scans' values and gradients, then exit")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    global SCAN
    SCAN = a.scan
    if a.check_scan:
        torch.manual_seed(0)
        f = torch.sigmoid(torch.randn(2, 300, 8, dtype=torch.float64)).requires_grad_()
        z = torch.randn(2, 300, 8, dtype=torch.float64, requires_grad=True)
        w = torch.randn(2, 300, 8, dtype=torch.float64)
        (Scan.apply(f, z) * w).sum().backward()
        loop = (f.grad.clone(), z.grad.clone(), Scan.apply(f, z).detach())
        f.grad = z.grad = None
        (parallel_scan(f, z) * w).sum().backward()
        errors = [float((x - y).abs().max()) for x, y in zip(loop, (f.grad, z.grad, parallel_scan(f, z).detach()))]
        print(f"parallel scan against the loop, largest difference: df {errors[0]:.2e}, dz {errors[1]:.2e}, h {errors[2]:.2e}")
        raise SystemExit(0 if max(errors) < 1e-9 else 1)
    torch.manual_seed(1)
    model = Model(a.vocab, a.d_model, a.state, a.layers, a.mlp_hidden)
    params = sum(p.numel() for p in model.parameters())
    forward = torch.compile(model) if a.compile else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = torch.randint(19, a.vocab, (a.batch, a.length + 1))
    times, losses = [], []
    for step in range(a.warmup + a.steps):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            logits = forward(tokens[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, a.vocab).float(), tokens[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if step >= a.warmup:
            times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    setup = f"{a.precision}, {a.scan} scan{', compiled' if a.compile else ''}"
    print(f"pytorch {torch.__version__} ({setup}): {a.batch * a.length / median:.0f} tokens/s (median step {median:.3f}s), "
          f"loss {losses[0]:.3f} -> {losses[-1]:.3f} over {len(losses)} steps, {params} parameters")


if __name__ == "__main__":
    main()
