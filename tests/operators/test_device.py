"""One device rule for every model: `auto` falls back to the CPU, an explicit GPU must exist."""

from __future__ import annotations

import pytest
import torch

from drivexplain.operators.models.device import DeviceError, resolve_device


def test_auto_falls_back_to_cpu_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_auto_picks_cuda_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda:1")


@pytest.mark.parametrize("name", ["cuda", "cuda:0", torch.device("cuda")])
def test_explicit_cuda_without_cuda_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, name: str | torch.device
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="no CUDA; set runtime.device .* to auto or cpu"):
        resolve_device(name)


def test_unknown_device_is_named() -> None:
    with pytest.raises(DeviceError, match="unknown device 'gpu'"):
        resolve_device("gpu")


def test_both_model_loaders_use_the_one_rule(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from drivexplain.operators.attribution import ConceptAttribution
    from drivexplain.operators.config import DrivexplainConfig
    from drivexplain.operators.vlm.backend import load_vlm

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    config = DrivexplainConfig().with_overrides(**{"runtime.device": "cuda"})
    with pytest.raises(DeviceError):
        ConceptAttribution.from_config(config)
    with pytest.raises(DeviceError):  # before any file is read
        load_vlm(tmp_path / "missing", device="cuda")
