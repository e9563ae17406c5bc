"""Every tunable of drivexplain, validated in one place.

The YAML files in `configs/` are parsed into these pydantic models so that a typo or an
out-of-range value fails at start-up with the offending key named, instead of deep inside a
Ray actor an hour into a run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from drivexplain.operators.assets import DEFAULT_CONFIG, TINY_CLIP_CALIBRATION, TINY_LLAVA_DIR

# Every verdict `operators.verdicts.coherence.decide` gives, in the order it tries them.
VERDICTS = ("ungrounded", "unverified", "ambiguous_prompt", "coherent", "divergent_grounded")

class ConfigError(ValueError):
    """A configuration file or value is invalid; the message names the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(_Strict):
    """Which open_clip model to load.

    `name` is any open_clip model name (or the shipped `TinyDriveCLIP`); `pretrained` is an
    open_clip tag, a local checkpoint path, or null for the embedded default weights (for the
    tiny model) / random weights (for any other model).
    """

    name: str = "TinyDriveCLIP"
    pretrained: str | None = None
    input_size: tuple[StrictInt, StrictInt] | None = Field(
        default=None,
        description="Model input (height, width); null keeps the model's native size. Other "
        "sizes interpolate the positional embedding, for finer heatmaps on wide frames.",
    )


class HeadSelectionConfig(_Strict):
    """Paper III-D/E. `strategy` picks where heads come from; `top_k` how many are kept."""

    strategy: Literal["layers", "heads", "both"] = "both"
    last_layers: int = Field(4, ge=1, strict=True)
    top_k: int = Field(10, ge=1, strict=True)


class ContrastiveConfig(_Strict):
    """Paper III-F. `mode` is `auto` (zero-shot over the vocabulary), `none`, or a fixed text."""

    mode: str = "auto"
    vocabulary: Path = Path("configs/vocabulary.yaml")
    present_top_k: int = Field(
        5, ge=1, strict=True,
        description="How many best-matching vocabulary concepts count as present."
    )
    # 0.25 keeps the paper's contrast in the map at almost no cost to localisation: on the
    # validation split of the localisation benchmark (`--seed 700000 --frames 120`, not its test
    # frames) the shipped weights point at 0.844 against 0.847 for gamma 0 and 0.803 for gamma 1
    # (the sweep is in weights/tiny-drive-clip/MODEL_CARD.md).
    weight: float = Field(
        0.25,
        ge=0.0,
        description="gamma in the gradient target cos(I,T+) - gamma*cos(I,T-); 0 ignores it.",
    )
    max_text_similarity: float = Field(
        0.95,
        gt=0.0,
        le=1.0,
        description="Candidates whose text embedding is this close to the concept are the "
        "concept itself (or a synonym) and are skipped.",
    )

    @field_validator("mode")
    @classmethod
    def _mode_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("contrastive mode must be 'auto', 'none' or a non-empty text")
        return value.strip()


class FaithfulnessConfig(_Strict):
    """Paper III-H, eq. 4-5, with the masking operator made explicit.

    M is the top `mask_fraction` of the fused heatmap, upsampled bilinearly to the model input.
    Removed pixels are replaced by `fill`: a Gaussian blur of the frame (default: removes the
    object's detail but keeps low-frequency colour, so the masked image stays in-distribution),
    the dataset mean colour, or seeded Gaussian noise.
    """

    enabled: bool = True
    method: Literal["fill", "drop_tokens"] = Field(
        "fill", description="fill: removed pixels take the fill image (two forwards per "
        "concept); drop_tokens: the masked patch tokens are left out of the ViT's sequence "
        "(about one forward per concept; on the shipped model its CD and NS tell present from "
        "absent concepts less well, AUROC 0.907/0.933 against 0.960/0.953: "
        "benchmarks/results/faithfulness_agreement.json).")
    mask_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    fill: Literal["blur", "mean", "noise"] = "blur"
    blur_sigma: float = Field(
        0.08, gt=0.0, description="Blur sigma as a fraction of the input's shorter side."
    )
    noise_seed: int = Field(0, strict=True)
    eps: float = Field(1e-8, gt=0.0)


class DynamicAdjustmentConfig(_Strict):
    """Paper III-H: the metrics feed back into the heatmap."""

    enabled: bool = True
    cd_threshold: float = Field(0.0, description="Amplify masked regions when CD exceeds this.")
    cd_gain: float = Field(1.0, ge=0.0)
    ns_threshold: float = Field(2.0, gt=0.0, description="Damp contrast when NS is below.")
    ns_gain: float = Field(1.0, ge=0.0, le=1.0)


class AttributionConfig(_Strict):
    """Concept Attribution proper (paper III-A..C, I)."""

    alpha: float = Field(0.8, ge=0.0, le=1.0, description="Text strength.")
    beta: float = Field(0.5, gt=0.0, description="Text boosting: G~ is raised to 1/beta.")
    eps: float = Field(1e-8, gt=0.0)
    tau_ratio: float = Field(
        0.2, ge=0.0, lt=1.0, description="Background suppression: zero H <= tau_ratio*max(H)."
    )
    heads: HeadSelectionConfig = HeadSelectionConfig()
    contrastive: ContrastiveConfig = ContrastiveConfig()
    faithfulness: FaithfulnessConfig = FaithfulnessConfig()
    dynamic: DynamicAdjustmentConfig = DynamicAdjustmentConfig()
    # Tiled attribution (operators/tiling.py): the frame plus overlapping tiles cut from it at
    # about the model's input resolution, in the same forward and backward, stitched into one
    # map; CD and NS stay on the frame. Costs one view per tile
    # (benchmarks/speed/attribution_speed.py).
    tiling: Literal["none", "grid", "pyramid"] = Field(
        "none", description="none: the frame only; grid: plus a tile_grid of tiles; pyramid: "
        "plus an n x n grid for every n in pyramid_levels."
    )
    tile_grid: tuple[StrictInt, StrictInt] = Field(
        (2, 2), description="(rows, cols) of tiles for tiling: grid; equal keeps the frame's "
        "aspect ratio in every tile."
    )
    tile_overlap: float = Field(
        0.25, ge=0.0, lt=1.0, description="Share of a tile's side it shares with its neighbour."
    )
    pyramid_levels: tuple[StrictInt, ...] = Field(
        (2, 3), description="n of every n x n level for tiling: pyramid."
    )
    tile_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="lambda: the stitched map is minmax((1-lambda) * frame "
        "map + lambda * weighted tile maps)."
    )

    @model_validator(mode="after")
    def _tiles_exist(self) -> AttributionConfig:
        rows, cols = self.tile_grid
        if rows < 1 or cols < 1 or rows * cols < 2:
            raise ValueError(
                f"attribution.tile_grid {[rows, cols]}: give at least two tiles, e.g. [2, 2]")
        if not self.pyramid_levels or min(self.pyramid_levels) < 2:
            raise ValueError(
                f"attribution.pyramid_levels {list(self.pyramid_levels)}: every level is an "
                "n x n grid with n >= 2, e.g. [2, 3]")
        return self


class RuntimeConfig(_Strict):
    """Where and how the operators run."""

    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    precision: Literal["fp32", "bf16", "fp16"] = Field(
        "fp32", description="Autocast dtype on CUDA; CPU always runs fp32."
    )
    batch_size: int = Field(16, ge=1, strict=True)


class PipelineConfig(_Strict):
    """The Ray video pipeline (owned by `pipeline/`).

    CPU reservations must leave headroom: actors that hold every CPU starve the decode and
    write tasks, and Ray Data then waits (30 minutes by default) instead of failing.
    """

    stride: int = Field(1, ge=1, strict=True, description="Keep every Nth decoded frame.")
    sample_fps: float | None = Field(None, gt=0.0, description="Resample to this rate instead.")
    num_actors: int = Field(1, ge=1, strict=True)
    num_gpus_per_actor: float = Field(0.0, ge=0.0)
    num_cpus_per_actor: float = Field(1.0, gt=0.0)
    actor_batch_size: int = Field(
        1, ge=1, strict=True, description="Chunks per model-actor call (Ray Data batch_size); "
        "frames per forward pass are runtime.batch_size."
    )
    chunk_frames: int = Field(
        64, ge=1, strict=True, description="Frames per unit of work, retry and resume.")
    first_chunk_frames: int = Field(
        16, ge=0, strict=True, description="Each video's first chunk ends after this many "
        "analysed frames (one model batch by default), so the first rows are written after "
        "one batch instead of a whole chunk; 0: the first chunk is like the others.")
    decode_cpus: float = Field(0.5, gt=0.0, description="CPUs reserved per decode task.")
    writer_cpus: float = Field(0.5, gt=0.0, description="CPUs reserved per overlay-write task.")
    transport_short_side: int | None = Field(
        224, ge=16, strict=True, description="Frames travel through Ray with the shorter side "
        "scaled to this (never up); null ships the original size."
    )
    flag_cd_below: float = Field(0.0, description="Flag a frame when Concept Drop <= this.")
    flag_ns_below: float = Field(2.0, description="Flag a frame when Neg. Suppression < this.")
    video_crf: int = Field(23, ge=0, le=51, strict=True)
    video_preset: str = "veryfast"
    overlay: Literal["all", "flagged", "none"] = Field(
        "all", description="Overlay videos: one per prompt over the whole input (all), short "
        "clips around flagged episodes only (flagged), or none; the heatmaps are kept in the "
        "frame log either way, so `drivexplain render` can draw any of them later.")
    overlay_context_s: float = Field(
        2.0, ge=0.0, description="Seconds of video before and after each flagged episode in "
        "its clip (overlay: flagged).")

    @model_validator(mode="after")
    def _one_sampling_rule(self) -> PipelineConfig:
        if self.sample_fps is not None and self.stride != 1:
            raise ValueError(
                f"pipeline.stride ({self.stride}) and pipeline.sample_fps ({self.sample_fps:g}) "
                "are both set; sample_fps replaces stride, so set only one")
        return self


class InputConfig(_Strict):
    """How inputs without container timestamps are timed (owned by `pipeline/sources/`).

    A raw H.264/HEVC stream has no timestamps at all and an image folder may have none, so
    `fps` supplies them (the video's manifest then says they were synthesised). An MCAP or ROS
    bag message has two clocks: when it was logged, and the camera's header stamp.
    """

    fps: float | None = Field(
        None, gt=0.0, description="Frame rate for raw streams and image folders without "
        "timestamps (run --fps).")
    mcap_timestamp: Literal["log_time", "header_stamp"] = Field(
        "log_time", description="MCAP/bag frame times: the message's log time, or the "
        "image's header stamp (ROS header.stamp, Foxglove timestamp).")


class CoherenceConfig(_Strict):
    """Dual explainability (paper III-J): per-frame verdicts and their episodes.

    With a grounding calibration for the loaded CLIP (`calibration`), a concept is grounded unless
    its calibrated p_grounded says it is absent with at least `flag_confidence`, and a denied one is
    contradicted when p_grounded reaches `flag_confidence`; concepts the CLIP could not tell apart
    on the calibration labels (`min_concept_auroc`) never raise a flag. `flag_confidence`,
    `ungrounded_when` and `min_concept_auroc` were chosen by `benchmarks/verdicts/coherence.py` on
    its calibration seeds: the most recall whose precision stays above 0.9 at the low end of its
    95 % interval. Without a calibration, the `ground_*` tests apply: a concept is grounded when
    every enabled one passes (null switches a test off).
    """

    enabled: bool = True
    vlm: str | None = Field(
        "embedded",
        validate_default=True,
        description="LLaVA directory or hub id that answers the prompts when no "
        "--answers file is given; `embedded`: the shipped tiny LLaVA (weights/tiny-drive-llava) "
        "when present; null: no VLM (verdicts need logged answers)."
    )

    @field_validator("vlm")
    @classmethod
    def _resolve_embedded(cls, value: str | None) -> str | None:
        """`embedded` becomes the shipped directory, so the logged config names the real VLM."""
        if value != "embedded":
            return value
        return str(TINY_LLAVA_DIR) if (TINY_LLAVA_DIR / "config.json").is_file() else None
    vlm_max_new_tokens: int = Field(24, ge=1, strict=True)
    vlm_grounding: bool = Field(
        True, description="Log the answering VLM's own per-concept grounding score "
        "(operators/vlm/grounding_score.py) beside CLIP's evidence: one more no-grad replay "
        "per (frame, concept). Verdicts do not use it (for the shipped tiny LLaVA its AUROC is "
        "0.558, benchmarks/verdicts/vlm_grounding.py); false skips the replay."
    )
    llm_extraction: bool = Field(
        True, description="Ask the loaded VLM for concepts when the rules find none."
    )
    llm_map_min_peak: float = Field(
        1.0, ge=0.0, le=1.0, description="The VLM's answer-gradient map enters the answer's "
        "heatmap (with weight hybrid.llm_weight), and can show that the model looked "
        "elsewhere, only when this share of its mass lies in its strongest 10 % of cells "
        "(0.1 = flat; see coherence.peak_share). Chosen by benchmarks/localisation/hybrid.py on "
        "calibration frames as the smallest share whose maps point as well as CLIP-only CA; "
        "for the shipped tiny LLaVA none does, so 1.0: its maps never claim a divergence."
    )
    similarity_measure: Literal["iou", "pearson", "histogram"] = Field(
        "histogram", description="Heatmap similarity used by the verdict (all three are "
        "logged)."
    )
    coherent_similarity: float = Field(
        0.71, description="Prompt and answer heatmaps at least this similar are 'alike'."
    )
    calibration: str | None = Field(
        "embedded",
        validate_default=True,
        description="Grounding calibration (operators/verdicts/grounding.py): a JSON file from "
        "`drivexplain calibrate`; `embedded`: the one shipped for the shipped tiny CLIP; null: "
        "none, and grounding falls back to the uncalibrated ground_* thresholds below.",
    )
    min_concept_auroc: float = Field(
        0.8, ge=0.5, le=1.0, description="With a calibration, a concept whose p_grounded told "
        "presence from absence worse than this on the calibration labels (its out-of-fold "
        "AUROC) cannot be verified by this CLIP: no flag rests on it."
    )
    flag_confidence: float = Field(
        0.5, ge=0.5, lt=1.0, description="With a calibration, an answer is flagged when the "
        "evidence says it is wrong with at least this probability: a named concept when "
        "p_grounded <= 1 - this, a denied one when p_grounded >= this."
    )

    @field_validator("calibration")
    @classmethod
    def _resolve_embedded_calibration(cls, value: str | None) -> str | None:
        """`embedded` becomes the shipped file, so the logged config names the real one."""
        if value != "embedded":
            return value
        return str(TINY_CLIP_CALIBRATION) if TINY_CLIP_CALIBRATION.is_file() else None

    ground_min_z: float | None = Field(
        0.5, description="Grounded needs cos(I, concept) this many standard deviations above "
        "the frame's mean over the vocabulary."
    )
    ground_max_rank: int | None = Field(
        None, ge=0, strict=True, description="Grounded needs at most this many vocabulary "
        "concepts closer to the image."
    )
    ground_min_cd: float | None = Field(None, description="Grounded needs Concept Drop above.")
    ground_min_ns: float | None = Field(None, description="Grounded needs Neg. Suppression "
                                        "at or above.")
    ground_min_similarity: float | None = Field(
        None, description="Grounded needs cos(I, concept) at or above."
    )
    ungrounded_when: Literal["any", "majority", "all"] = Field(
        "any", description="How many of an answer's named concepts must fail grounding for "
        "the answer to be ungrounded: any one (strict: one invented object is enough), a "
        "majority, or all of them."
    )
    deny_max_z: float = Field(
        1.0, description="A 'no' answer is contradicted when the denied concept's z-score "
        "reaches this (stricter than ground_min_z: absence is harder to show)."
    )
    flag_verdicts: tuple[str, ...] = Field(
        ("ungrounded",), description="Verdicts that count as flags for episodes."
    )
    episode_smoothing: float = Field(
        0.5, gt=0.0, le=1.0, description="EMA weight of the newest frame's flag (1 = none)."
    )
    episode_enter: float = Field(0.6, gt=0.0, le=1.0, description="Open an episode at or above.")
    episode_exit: float = Field(0.3, ge=0.0, lt=1.0, description="Close it below.")
    episode_min_frames: int = Field(
        2, ge=1, strict=True, description="Shorter episodes are dropped.")

    @model_validator(mode="after")
    def _hysteresis(self) -> CoherenceConfig:
        if self.episode_exit >= self.episode_enter:
            raise ValueError(
                f"coherence.episode_exit ({self.episode_exit:g}) must be below "
                f"coherence.episode_enter ({self.episode_enter:g}): an episode opens at "
                "episode_enter and closes below episode_exit")
        return self

    @field_validator("flag_verdicts")
    @classmethod
    def _known_verdicts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(VERDICTS))
        if unknown:
            raise ValueError(f"unknown verdicts {unknown}; known: {sorted(VERDICTS)}")
        return value


class HybridConfig(_Strict):
    """The CLIP + LLM hybrid (paper III-G): how the VLM's answer gradients join Concept
    Attribution in `drivexplain ask` and in the pipeline's answer-gradient maps. The formulas
    are in `operators/vlm/hybrid.py`'s docstring."""

    llm_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="lambda in H = norm((1 - lambda)*H_CLIP + "
        "lambda*H_LLM): 0 is CLIP only, 1 the LLM's answer map alone."
    )
    layer_alpha: float | tuple[float, ...] = Field(
        0.8, description="Text strength alpha_l of each VLM vision layer in W_l = "
        "(1 - alpha_l)*norm(SA_l) + alpha_l*norm(G_l), each in [0, 1]: one value for every "
        "layer, or a list with one per layer (in the order of VLMAnswer.layers)."
    )
    expand: bool = Field(
        True, description="Expand each concept with the LLM (operators.vlm.expansion) before CLIP "
        "attributes it, for the linguistic context the paper adds."
    )
    concept_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="w in the expanded text embedding "
        "normalise(w*e(concept) + (1 - w)*mean e(term)): the bare concept's share."
    )
    eps: float = Field(1e-8, gt=0.0, description="Min-max normalisation guard.")
    max_tower_diff: float = Field(
        1e-3, ge=0.0, description="Largest feature difference between the CLIP model and the "
        "VLM's vision tower for the two gradient maps to count as one encoder's."
    )

    @field_validator("layer_alpha")
    @classmethod
    def _alphas_in_range(cls, value: float | tuple[float, ...]) -> float | tuple[float, ...]:
        alphas = (value,) if isinstance(value, (int, float)) else value
        if not alphas or any(not 0.0 <= a <= 1.0 for a in alphas):
            raise ValueError(f"layer_alpha values must be in [0, 1], got {value}")
        return value


class DrivexplainConfig(_Strict):
    """The whole configuration; `configs/default.yaml` lists every key with its default."""

    model: ModelConfig = ModelConfig()
    attribution: AttributionConfig = AttributionConfig()
    runtime: RuntimeConfig = RuntimeConfig()
    pipeline: PipelineConfig = PipelineConfig()
    input: InputConfig = InputConfig()
    coherence: CoherenceConfig = CoherenceConfig()
    hybrid: HybridConfig = HybridConfig()

    @model_validator(mode="after")
    def _metrics_for_grounding(self) -> DrivexplainConfig:
        if not self.attribution.faithfulness.enabled:
            needs = [k for k in ("ground_min_cd", "ground_min_ns")
                     if getattr(self.coherence, k) is not None]
            if needs:
                raise ValueError(
                    f"coherence.{needs[0]} is set but attribution.faithfulness.enabled is false: "
                    "without the faithfulness metrics no concept could pass that test")
        return self

    @model_validator(mode="after")
    def _tiles_see_the_frame(self) -> DrivexplainConfig:
        # Tiles exist to see the frame at more than the model's input resolution; frames scaled
        # down for transport would leave them nothing to see. So tiled runs ship frames whole.
        if self.attribution.tiling != "none" and self.pipeline.transport_short_side is not None:
            raise ValueError(
                f"attribution.tiling is {self.attribution.tiling!r} but "
                f"pipeline.transport_short_side is {self.pipeline.transport_short_side}: tiles "
                "need the frame's own resolution, so set pipeline.transport_short_side to null")
        return self

    def digest(self) -> str:
        """A short stable hash of the resolved config, written into every log row."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def without_calibration(self) -> DrivexplainConfig:
        """This config with no grounding calibration: what fitting one starts from.
        (`with_overrides` skips None, the value of a CLI option not given.)"""
        return self.model_copy(update={
            "coherence": self.coherence.model_copy(update={"calibration": None})})

    def with_overrides(self, **dotted: Any) -> DrivexplainConfig:
        """Return a copy with `section.key=value` overrides applied, validated again; a None
        value is no override."""
        data = self.model_dump(mode="python")
        for key, value in dotted.items():
            if value is None:
                continue
            node = data
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        return _validate(data, source="overrides")


def _validate(data: dict[str, Any], source: str) -> DrivexplainConfig:
    try:
        return DrivexplainConfig.model_validate(data)
    except ValidationError as err:
        lines = [f"invalid configuration in {source}:"]
        for problem in err.errors():
            where = ".".join(str(p) for p in problem["loc"]) or "<root>"
            lines.append(f"  {where}: {problem['msg']}")
        raise ConfigError("\n".join(lines)) from None


def load_config(path: str | Path | None = None) -> DrivexplainConfig:
    """Load and validate a YAML config; `None` loads `configs/default.yaml`."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    return _validate(data, source=str(path))
