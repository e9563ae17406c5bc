"""Which torch device a run uses: the one rule for every model the operators load."""

from __future__ import annotations

import torch


class DeviceError(ValueError):
    """The requested device does not exist here; the message says what to set instead."""


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """The device to put a model on.

    `auto` (or None) picks CUDA when present and the CPU otherwise, so one config runs on a
    laptop and on a GPU box. An explicit `cuda` / `cuda:N` on a machine without CUDA is an
    error rather than a silent CPU run: a run that asked for a GPU and got a CPU would be
    hours slower and its timings would be wrong, so the message names the setting to change.
    """
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise DeviceError(
            f"unknown device {str(device)!r}: use auto, cpu, cuda or cuda:N ({err})"
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(
            f"device {str(device)!r} was requested but this machine has no CUDA; set "
            "runtime.device (or --device) to auto or cpu"
        )
    return resolved
