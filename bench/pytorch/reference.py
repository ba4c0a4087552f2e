#!/usr/bin/python3
"""Plain PyTorch reference for SharpTune's benchmarks (no transformers, no PEFT).

Builds Llama/Qwen2 decoders from a Hugging Face config.json (random weights, or a model folder's safetensors),
with PEFT-style LoRA on the seven projections, and runs the standard workloads of ../shared/bench/README.md:

  reference.py train    --like CONFIG --method lora|full [--batch-size 4 --seq-len 256 --steps 5 --warmup-steps 2]
  reference.py generate --like CONFIG [--prompt-tokens 64 --new-tokens 128 --repeats 5]
  reference.py logits   --model DIR [--adapter PEFT_DIR] --ids '[[1,2,3],[4,5,6]]' --out FILE [--greedy N]
  reference.py step     --model DIR --adapter PEFT_DIR --ids '[[…]]' --out FILE [--lr 1e-3 --clip 1.0]
  reference.py env      (torch version, BLAS, threads)

Each command prints one JSON line on stdout (what `sharptune bench compare` and the tests parse). It is written for
Debian's python3-torch 1.13 (no scaled_dot_product_attention: attention is eager, as transformers' is on 1.13).
"""
import argparse
import json
import math
import os
import re
import resource
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------------------------------
# Model

class Config:
    def __init__(self, d):
        self.model_type = d.get("model_type", "llama")
        if self.model_type not in ("llama", "qwen2", "mistral"):
            raise SystemExit(f"error: model_type {self.model_type!r}: the reference builds llama/qwen2/mistral only")
        self.hidden = d["hidden_size"]
        self.inter = d["intermediate_size"]
        self.layers = d["num_hidden_layers"]
        self.heads = d["num_attention_heads"]
        self.kv_heads = d.get("num_key_value_heads") or self.heads
        self.head_dim = d.get("head_dim") or self.hidden // self.heads
        self.vocab = d["vocab_size"]
        self.eps = d.get("rms_norm_eps", 1e-6)
        self.theta = float(d.get("rope_theta", 10000.0))
        self.tied = bool(d.get("tie_word_embeddings", False))
        # Qwen2 has q/k/v biases and no o bias; Llama has attention_bias for all four (default none).
        self.qkv_bias = self.model_type == "qwen2" or bool(d.get("attention_bias", False))
        self.o_bias = self.model_type != "qwen2" and bool(d.get("attention_bias", False))
        self.mlp_bias = bool(d.get("mlp_bias", False))
        if d.get("rope_scaling"):
            raise SystemExit("error: rope_scaling: the reference supports plain RoPE only")


class Linear(nn.Module):
    """y = x Wᵀ + b, plus PEFT's LoRA path lora_B(lora_A(x))·scaling when an adapter is attached."""

    def __init__(self, n_in, n_out, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None
        self.lora_A = None
        self.lora_B = None
        self.scaling = 0.0

    def add_lora(self, r, alpha, rslora=False):
        # PEFT's default init: A ~ kaiming_uniform(a=√5) = U(±1/√in), B = 0.
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        self.lora_A = nn.Parameter(torch.empty(r, self.weight.shape[1]).uniform_(-bound, bound))
        self.lora_B = nn.Parameter(torch.zeros(self.weight.shape[0], r))
        self.scaling = alpha / math.sqrt(r) if rslora else alpha / r

    def forward(self, x):
        y = F.linear(x, self.weight, self.bias)
        if self.lora_A is not None:
            y = y + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scaling
        return y


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.q_proj = Linear(c.hidden, c.heads * c.head_dim, c.qkv_bias)
        self.k_proj = Linear(c.hidden, c.kv_heads * c.head_dim, c.qkv_bias)
        self.v_proj = Linear(c.hidden, c.kv_heads * c.head_dim, c.qkv_bias)
        self.o_proj = Linear(c.heads * c.head_dim, c.hidden, c.o_bias)

    def forward(self, x, cos, sin, mask, cache, layer):
        c = self.c
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, c.heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            k, v = cache.append(layer, k, v)
        g = c.heads // c.kv_heads
        scale = 1.0 / math.sqrt(c.head_dim)
        if t == 1 and g > 1:
            # One new token: group the query heads by their KV head rather than copying the cache g times.
            s = q.reshape(b, c.kv_heads, g, c.head_dim).matmul(k.transpose(2, 3)) * scale
            o = s.softmax(-1).matmul(v).reshape(b, 1, c.heads * c.head_dim)
            return self.o_proj(o)
        if g > 1:  # repeat_kv
            k = k[:, :, None].expand(b, c.kv_heads, g, k.shape[2], c.head_dim).reshape(b, c.heads, k.shape[2], c.head_dim)
            v = v[:, :, None].expand(b, c.kv_heads, g, v.shape[2], c.head_dim).reshape(b, c.heads, v.shape[2], c.head_dim)
        s = q.matmul(k.transpose(2, 3)) * scale
        if mask is not None:
            s = s + mask
        o = s.softmax(-1).matmul(v)
        return self.o_proj(o.transpose(1, 2).reshape(b, t, c.heads * c.head_dim))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = Linear(c.hidden, c.inter, c.mlp_bias)
        self.up_proj = Linear(c.hidden, c.inter, c.mlp_bias)
        self.down_proj = Linear(c.inter, c.hidden, c.mlp_bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden, c.eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden, c.eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, cache, layer):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache, layer)
        return h + self.mlp(self.post_attention_layernorm(h))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab, c.hidden)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c.layers)])
        self.norm = RMSNorm(c.hidden, c.eps)


class KvCache:
    """Preallocated per-layer K/V buffers (no torch.cat per token)."""

    def __init__(self, c, batch, capacity):
        shape = (batch, c.kv_heads, capacity, c.head_dim)
        self.k = [torch.empty(shape) for _ in range(c.layers)]
        self.v = [torch.empty(shape) for _ in range(c.layers)]
        self.length = 0
        self.pending = 0

    def append(self, layer, k, v):
        t = k.shape[2]
        end = self.length + t
        self.k[layer][:, :, self.length:end] = k
        self.v[layer][:, :, self.length:end] = v
        self.pending = t
        return self.k[layer][:, :, :end], self.v[layer][:, :, :end]

    def commit(self):
        self.length += self.pending
        self.pending = 0


class CausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Body(c)
        self.lm_head = None if c.tied else Linear(c.hidden, c.vocab, False)
        inv = 1.0 / (c.theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.int64).float() / c.head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def init_random(self, seed=0):
        # HF's initialisation: normal(0, 0.02) weights, zero biases, unit norms.
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("lora_A") or name.endswith("lora_B"):
                    continue
                if p.dim() >= 2:
                    p.normal_(0.0, 0.02, generator=g)
                elif name.endswith("bias"):
                    p.zero_()
                else:
                    p.fill_(1.0)

    def head_weight(self):
        return self.model.embed_tokens.weight if self.c.tied else self.lm_head.weight

    def forward(self, ids, cache=None, last_only=False):
        b, t = ids.shape
        past = cache.length if cache is not None else 0
        pos = torch.arange(past, past + t, dtype=torch.int64).float()
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = None
        if t > 1:
            mask = torch.full((t, past + t), float("-inf")).triu_(past + 1)[None, None]
        x = self.model.embed_tokens(ids)
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, mask, cache, i)
        if cache is not None:
            cache.commit()
        x = self.model.norm(x)
        if last_only:
            x = x[:, -1:]
        return F.linear(x, self.head_weight())

    def add_lora(self, r, alpha, rslora=False):
        for m in self.modules():
            if isinstance(m, Linear) and m is not self.lm_head:
                m.add_lora(r, alpha, rslora)

    def lora_parameters(self):
        return [p for n, p in self.named_parameters() if n.endswith("lora_A") or n.endswith("lora_B")]


def causal_lm_loss(logits, labels):
    t = logits.shape[1]
    return F.cross_entropy(logits[:, :t - 1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100)


# ---------------------------------------------------------------------------------------------------------------
# Loading a Hugging Face folder (safetensors written by a small reader: torch 1.13 has no safetensors package)

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=dtype).reshape(info["shape"])
        out[name] = t.float() if t.is_floating_point() else t
    return out


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        c = Config(json.load(f))
    index = os.path.join(folder, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(index):
        with open(index) as f:
            for shard in sorted(set(json.load(f)["weight_map"].values())):
                tensors.update(read_safetensors(os.path.join(folder, shard)))
    else:
        tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
    model = CausalLM(c)
    if c.tied:
        tensors.pop("lm_head.weight", None)
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    if missing or unexpected:
        raise SystemExit(f"error: {folder}: missing {missing}, unexpected {unexpected}")
    return model


def load_adapter(model, folder):
    with open(os.path.join(folder, "adapter_config.json")) as f:
        cfg = json.load(f)
    if cfg.get("peft_type") != "LORA" or cfg.get("use_dora"):
        raise SystemExit(f"error: {folder}: only plain LoRA adapters are supported")
    weights = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
    modules = dict(model.named_modules())
    for key, value in weights.items():
        # base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight
        name = key[len("base_model.model."):] if key.startswith("base_model.model.") else key
        owner, kind = name.rsplit(".", 2)[0], name.rsplit(".", 2)[1]
        layer = modules[owner]
        if layer.lora_A is None:
            layer.add_lora(cfg["r"], cfg["lora_alpha"], cfg.get("use_rslora", False))
        with torch.no_grad():
            getattr(layer, kind).copy_(value)


# ---------------------------------------------------------------------------------------------------------------
# Workloads

def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def matmul_gflops():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a.matmul(b)
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        a.matmul(b)
        times.append(time.perf_counter() - t0)
    return 2.0 * 1024 ** 3 / sorted(times)[len(times) // 2] / 1e9


def build(args):
    with open(args.like) as f:
        c = Config(json.load(f))
    model = CausalLM(c)
    model.init_random(0)
    return c, model


def cmd_train(args):
    c, model = build(args)
    matmul = matmul_gflops()
    if args.method == "lora":
        model.requires_grad_(False)
        torch.manual_seed(0)
        model.add_lora(args.rank, args.alpha)
        trainable = model.lora_parameters()
    else:
        trainable = list(model.parameters())
    # AdamW without decay on norms/biases, as SharpTune's trainer.
    decay = [p for p in trainable if p.dim() >= 2]
    no_decay = [p for p in trainable if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.01}] + ([{"params": no_decay, "weight_decay": 0.0}] if no_decay else [])
    opt = torch.optim.AdamW(groups, lr=1e-4)
    model.train()
    g = torch.Generator().manual_seed(0)
    times, phases = [], []
    for step in range(args.warmup_steps + args.steps):
        ids = torch.randint(0, c.vocab, (args.batch_size, args.seq_len), generator=g)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = causal_lm_loss(model(ids), ids)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        t3 = time.perf_counter()
        if step >= args.warmup_steps:
            times.append(t3 - t0)
            phases.append((t1 - t0, t2 - t1, t3 - t2))
    order = sorted(range(len(times)), key=lambda i: times[i])
    mid = order[len(order) // 2]
    step_s = times[mid]
    tokens = args.batch_size * args.seq_len
    n_params = sum(p.numel() for n, p in model.named_parameters() if not n.endswith(("lora_A", "lora_B")))
    matmul_params = sum(m.weight.numel() for m in model.modules() if isinstance(m, Linear)) + (c.vocab * c.hidden if c.tied else 0)
    attention = 4.0 * c.layers * args.seq_len * c.heads * c.head_dim
    per_token = (6.0 if args.method == "full" else 4.0) * matmul_params + 3 * attention
    flops = per_token * tokens / step_s
    out = {"side": "pytorch", "workload": "train", "method": args.method, "shape": os.path.basename(args.like),
           "parameters": n_params, "trainable": sum(p.numel() for p in trainable),
           "tokens_per_second": tokens / step_s, "step_seconds": step_s, "step_times": times,
           "forward_seconds": phases[mid][0], "backward_seconds": phases[mid][1], "optimizer_seconds": phases[mid][2],
           "matmul_gflops": matmul, "mfu": flops / 1e9 / matmul, "peak_rss_bytes": peak_rss_bytes(),
           "threads": torch.get_num_threads()}
    if args.breakdown:
        out["breakdown"] = breakdown_step(model, opt, trainable, c, args, g)
    if args.profile:
        out["profile"] = profile_step(model, opt, trainable, c, args, g)
    print(json.dumps(out))


def breakdown_step(model, opt, trainable, c, args, g):
    """One more step timed in the phases SharpTune's `bench train --breakdown` reports: the graph is cut at the final
    hidden states (a detached leaf feeds the head), so head + loss and the body get their own backward."""
    ids = torch.randint(0, c.vocab, (args.batch_size, args.seq_len), generator=g)
    laps = [time.perf_counter()]
    opt.zero_grad(set_to_none=False)
    x = model.model.embed_tokens(ids)
    pos = torch.arange(args.seq_len).float()
    freqs = pos[:, None] * model.inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    mask = torch.full((args.seq_len, args.seq_len), float("-inf")).triu_(1)[None, None]
    for i, layer in enumerate(model.model.layers):
        x = layer(x, cos, sin, mask, None, i)
    hidden = model.model.norm(x)
    laps.append(time.perf_counter())
    cut = hidden.detach().requires_grad_(True)
    logits = F.linear(cut, model.head_weight())
    laps.append(time.perf_counter())
    loss = causal_lm_loss(logits, ids)
    laps.append(time.perf_counter())
    loss.backward()
    laps.append(time.perf_counter())
    hidden.backward(cut.grad)
    laps.append(time.perf_counter())
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    opt.step()
    laps.append(time.perf_counter())
    names = ["body", "head", "loss", "head_loss_backward", "body_backward", "optimizer"]
    return {n: laps[i + 1] - laps[i] for i, n in enumerate(names)}


def profile_step(model, opt, trainable, c, args, g):
    """One more step under torch.autograd.profiler: the operators costing most self CPU time."""
    ids = torch.randint(0, c.vocab, (args.batch_size, args.seq_len), generator=g)
    with torch.autograd.profiler.profile() as prof:
        opt.zero_grad(set_to_none=False)
        causal_lm_loss(model(ids), ids).backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
    rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in rows)
    return [{"op": e.key, "self_seconds": e.self_cpu_time_total / 1e6, "share": e.self_cpu_time_total / total, "calls": e.count}
            for e in rows[:args.profile]]


def cmd_generate(args):
    c, model = build(args)
    model.eval()
    rng = torch.Generator().manual_seed(0)
    prompt = torch.randint(0, c.vocab, (1, args.prompt_tokens), generator=rng)

    def run(new_tokens):
        cache = KvCache(c, 1, args.prompt_tokens + new_tokens)
        ids, out = prompt, []
        for _ in range(new_tokens):
            nxt = model(ids, cache, last_only=True)[:, -1].argmax(-1, keepdim=True)
            out.append(nxt)
            ids = nxt
        return torch.cat(out, 1)

    with torch.inference_mode():
        run(8)  # warm-up
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            run(args.new_tokens)
            times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"side": "pytorch", "workload": "generate", "shape": os.path.basename(args.like),
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "tokens_per_second": args.new_tokens / times[len(times) // 2], "run_seconds": times,
                      "peak_rss_bytes": peak_rss_bytes(), "threads": torch.get_num_threads()}))


def cmd_logits(args):
    model = load_model(args.model)
    if args.adapter:
        load_adapter(model, args.adapter)
    model.eval()
    ids = torch.tensor(json.loads(args.ids), dtype=torch.int64)
    with torch.no_grad():
        logits = model(ids)
        loss = causal_lm_loss(logits, ids).item()
        greedy = []
        if args.greedy:
            cache = KvCache(model.c, ids.shape[0], ids.shape[1] + args.greedy)
            cur = ids
            for _ in range(args.greedy):
                cur = model(cur, cache, last_only=True)[:, -1].argmax(-1, keepdim=True)
                greedy.append(cur)
            greedy = torch.cat(greedy, 1).tolist()
    with open(args.out, "wb") as f:
        f.write(logits.contiguous().numpy().astype("<f4").tobytes())
    print(json.dumps({"side": "pytorch", "workload": "logits", "shape": list(logits.shape), "loss": loss, "greedy_ids": greedy}))


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def cmd_step(args):
    """One timed-step's worth of training (zero_grad, forward, backward, clip 1.0, AdamW) from a model + LoRA adapter;
    writes the updated LoRA weights under PEFT's file keys."""
    model = load_model(args.model)
    load_adapter(model, args.adapter)
    model.requires_grad_(False)
    trainable = {n: p for n, p in model.named_parameters() if n.endswith(("lora_A", "lora_B"))}
    for p in trainable.values():
        p.requires_grad_(True)
    opt = torch.optim.AdamW([p for p in trainable.values()], lr=args.lr, weight_decay=0.01)
    model.train()
    ids = torch.tensor(json.loads(args.ids), dtype=torch.int64)
    opt.zero_grad(set_to_none=False)
    loss = causal_lm_loss(model(ids), ids)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(list(trainable.values()), args.clip).item()
    opt.step()
    write_safetensors(args.out, {f"base_model.model.{n}.weight": p for n, p in trainable.items()})
    print(json.dumps({"side": "pytorch", "workload": "step", "loss": loss.item(), "grad_norm": norm}))


def cmd_env(args):
    cfg = torch.__config__.show()
    m = re.search(r"BLAS_INFO=([^,]*)", cfg)
    blas = m.group(1) if m else "unknown"
    libs = []
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and line.split()[-1].startswith("/")})
    except OSError:
        pass
    print(json.dumps({"side": "pytorch", "workload": "env", "torch": torch.__version__, "python": sys.executable,
                      "blas_info": blas, "blas_libraries": [os.path.realpath(p) for p in libs],
                      "threads": torch.get_num_threads(), "matmul_gflops": matmul_gflops()}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--like", required=True)
    t.add_argument("--method", choices=["lora", "full"], default="lora")
    t.add_argument("--batch-size", type=int, default=4)
    t.add_argument("--seq-len", type=int, default=256)
    t.add_argument("--steps", type=int, default=5)
    t.add_argument("--warmup-steps", type=int, default=2)
    t.add_argument("--rank", type=int, default=16)
    t.add_argument("--alpha", type=float, default=32.0)
    t.add_argument("--breakdown", action="store_true", help="time one more step split as `sharptune bench train --breakdown`")
    t.add_argument("--profile", type=int, default=0, help="profile one extra step and list the N costliest operators")
    gn = sub.add_parser("generate")
    gn.add_argument("--like", required=True)
    gn.add_argument("--prompt-tokens", type=int, default=64)
    gn.add_argument("--new-tokens", type=int, default=128)
    gn.add_argument("--repeats", type=int, default=5)
    lg = sub.add_parser("logits")
    lg.add_argument("--model", required=True)
    lg.add_argument("--adapter")
    lg.add_argument("--ids", required=True, help="JSON list of rows of token ids")
    lg.add_argument("--out", required=True, help="raw little-endian float32 logits [B, T, V]")
    lg.add_argument("--greedy", type=int, default=0, help="also decode N greedy tokens with the KV cache")
    st = sub.add_parser("step")
    st.add_argument("--model", required=True)
    st.add_argument("--adapter", required=True)
    st.add_argument("--ids", required=True, help="JSON list of rows of token ids")
    st.add_argument("--lr", type=float, default=1e-3)
    st.add_argument("--clip", type=float, default=1.0)
    st.add_argument("--out", required=True, help="safetensors file of the updated LoRA weights (PEFT's keys)")
    sub.add_parser("env")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    {"train": cmd_train, "generate": cmd_generate, "logits": cmd_logits, "step": cmd_step, "env": cmd_env}[args.cmd](args)


if __name__ == "__main__":
    main()
