"""Whether bf16 mixed precision speeds training up on this hardware."""

from functools import cache
from pathlib import Path

import torch

_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@cache
def bf16_is_fast(device: torch.device) -> bool:
    """True on GPUs with bf16 and on CPUs with native bf16 instructions (AVX512-BF16, AMX).

    On other CPUs autocast emulates bf16, which trains many times slower than float32.
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text() if cpuinfo.is_file() else ""
    return any(flag in flags for flag in _BF16_CPU_FLAGS)
