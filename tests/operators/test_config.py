"""The YAML config: defaults, validation errors that name the key, and the hash."""

from pathlib import Path

import pytest

from drivexplain.operators.assets import (
    DEFAULT_CONFIG,
    PACKAGE_ROOT,
    TINY_LLAVA_DIR,
    package_relative,
)
from drivexplain.operators.config import (
    ConfigError,
    DrivexplainConfig,
    load_config,
)


def test_default_yaml_equals_model_defaults() -> None:
    """configs/default.yaml lists every parameter with the same defaults as the code."""
    assert load_config(DEFAULT_CONFIG).model_dump() == DrivexplainConfig().model_dump()


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("attribution:\n  alhpa: 0.5\n")
    with pytest.raises(ConfigError, match=r"attribution\.alhpa: Extra inputs"):
        load_config(path)


def test_out_of_range_value_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("attribution:\n  heads:\n    strategy: all\n  tau_ratio: 1.5\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "attribution.heads.strategy" in str(err.value)
    assert "attribution.tau_ratio" in str(err.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_overrides_and_digest() -> None:
    base = DrivexplainConfig()
    changed = base.with_overrides(**{"attribution.alpha": 0.5, "model.name": None})
    assert changed.attribution.alpha == 0.5 and changed.model.name == base.model.name
    assert changed.digest() != base.digest()
    with pytest.raises(ConfigError, match="attribution.beta"):
        base.with_overrides(**{"attribution.beta": -1})


def test_package_relative_strips_the_package_root_and_leaves_outside_paths() -> None:
    assert package_relative(TINY_LLAVA_DIR) == "weights/tiny-drive-llava"
    assert package_relative(str(PACKAGE_ROOT / "configs" / "default.yaml")) == (
        "configs/default.yaml"
    )
    assert package_relative("/nonexistent/elsewhere/model") == "/nonexistent/elsewhere/model"


def test_hybrid_section_is_set_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "hybrid:\n  llm_weight: 0.25\n  layer_alpha: [1.0, 0.5, 0.0]\n  expand: false\n"
    )
    config = load_config(path)
    assert config.hybrid.llm_weight == 0.25 and not config.hybrid.expand
    assert config.hybrid.layer_alpha == (1.0, 0.5, 0.0)
    assert DrivexplainConfig().hybrid.layer_alpha == 0.8


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("hybrid:\n  llm_weight: 1.5\n", "hybrid.llm_weight"),
        ("hybrid:\n  layer_alpha: [0.5, 2.0]\n", "hybrid.layer_alpha"),
        ("hybrid:\n  layer_alpha: -0.1\n", "hybrid.layer_alpha"),
        ("hybrid:\n  layer_alpha: []\n", "hybrid.layer_alpha"),
        ("hybrid:\n  concept_weight: 2\n", "hybrid.concept_weight"),
        ("hybrid:\n  lambda: 0.5\n", "hybrid.lambda"),
    ],
)
def test_hybrid_out_of_range_is_named(tmp_path: Path, yaml_text: str, key: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(path)


def test_without_calibration_drops_it_where_an_override_of_none_cannot() -> None:
    config = load_config(None)
    assert config.coherence.calibration is not None  # the shipped one by default
    assert config.with_overrides(**{"coherence.calibration": None}).coherence.calibration == \
        config.coherence.calibration  # None is "option not given"
    bare = config.without_calibration()
    assert bare.coherence.calibration is None
    assert bare.coherence.flag_confidence == config.coherence.flag_confidence
