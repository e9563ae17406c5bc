"""Every supported VLM family on a tiny random model saved to disk and loaded back by `--vlm DIR`.

Per family: greedy answers are deterministic, a batch answers as its items do alone, the
answer-gradient map is finite and non-zero, and the token geometry is the model's own: with the
tower's attention silenced (so a vision token depends only on the pixels under it), changing a
small block of a non-square frame (and of a tiled one, where the family tiles) changes exactly
the vision tokens whose frame boxes hold that block.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from drivexplain.operators.vlm.backend import VLMBackend, VLMError, load_vlm
from drivexplain.operators.vlm.families import FAMILIES, FEATURE_GRADIENT
from drivexplain.operators.vlm.geometry import render
from drivexplain.operators.vlm.tiny_families import BUILDERS, save_tiny_vlm

FAMILY_TYPES = [t for f in FAMILIES for t in f.model_types]
PROMPT = "is there a car ?"
# Frames: a wide one (non-square), and a large square one that tiling families cut 2 x 2.
WIDE = (60, 100)
TILED = (100, 100)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each family's tiny model, written once for the module (built lazily, on first use)."""
    return {}


def _dir(saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, kind: str) -> Path:
    if kind not in saved:
        saved[kind] = save_tiny_vlm(kind, tmp_path_factory.mktemp(kind))
    return saved[kind]


@pytest.fixture(scope="module")
def backends(saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, VLMBackend] = {}

    def get(kind: str) -> VLMBackend:
        if kind not in cache:
            cache[kind] = load_vlm(_dir(saved, tmp_path_factory, kind), device="cpu",
                                   max_new_tokens=4)
        return cache[kind]

    return get


def _frames(*sizes: tuple[int, int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (*size, 3), dtype=np.uint8) for size in sizes]


def test_every_family_has_a_tiny_builder() -> None:
    assert set(FAMILY_TYPES) == set(BUILDERS)


@pytest.mark.parametrize("kind", FAMILY_TYPES)
def test_answers_deterministic_batched_and_maps_finite(kind: str, backends) -> None:
    vlm = backends(kind)
    assert vlm.family.model_types == (kind,) or kind in vlm.family.model_types
    frames = _frames(WIDE, (90, 50), TILED)
    batched = vlm.ask(frames, PROMPT)
    again = vlm.ask(frames, PROMPT)
    alone = [vlm.ask([f], PROMPT)[0] for f in frames]
    for x, y, z, frame in zip(batched, again, alone, frames, strict=True):
        assert x.answer_token_ids == y.answer_token_ids == z.answer_token_ids
        assert x.answer_token_ids, "the tiny model answered nothing"
        assert x.replay_matches_greedy and z.replay_matches_greedy
        assert x.grad_finite and np.isfinite(x.answer_map).all()
        assert x.answer_map.max() == pytest.approx(1.0) and x.answer_map.std() > 0.01
        np.testing.assert_allclose(x.answer_map, z.answer_map, atol=1e-4)
        assert np.abs(x.token_values).max() > 0
        assert x.token_boxes.shape == (x.token_values.shape[0], 4)
        assert x.frame_size == frame.shape[:2]


def _tower(model: torch.nn.Module) -> torch.nn.Module:
    inner = model.model
    for name in ("vision_tower", "visual", "vision_model"):
        if hasattr(inner, name):
            return getattr(inner, name)
    raise AssertionError("no vision tower found")


def _silence_attention(model: torch.nn.Module) -> list:
    """Zero every tower attention block's output: tokens then see only their own pixels."""

    def zero(module, args, output):
        if isinstance(output, tuple):
            return (torch.zeros_like(output[0]), *output[1:])
        return torch.zeros_like(output)

    return [m.register_forward_hook(zero) for m in _tower(model).modules()
            if type(m).__name__.endswith("Attention")]


def _vision_features(vlm: VLMBackend, frame: np.ndarray) -> torch.Tensor:
    """The image features the language model receives for one frame, in token order."""
    from drivexplain.operators.vlm.backend import _text_model

    enc, pixels, _, _ = vlm._prepare([frame], PROMPT, 1)
    seen: dict[str, torch.Tensor] = {}

    def grab(module, args, kwargs):
        seen["embeds"] = kwargs["inputs_embeds"].detach().clone()

    extra = {k: v for k, v in enc.items() if k not in ("input_ids", "attention_mask")}
    handle = _text_model(vlm.model.model).register_forward_pre_hook(grab, with_kwargs=True)
    try:
        with torch.no_grad():
            vlm.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                      **{**extra, "pixel_values": pixels})
    finally:
        handle.remove()
    visual = enc["input_ids"][0] == vlm.image_token_id
    return seen["embeds"][0][visual]


def _block(frame_size: tuple[int, int], where: tuple[float, float], side: int = 3
           ) -> tuple[int, int, int, int]:
    height, width = frame_size
    top = int(where[0] * height)
    left = int(where[1] * width)
    return top, left, side, side


def _inside(boxes: np.ndarray, block: tuple[int, int, int, int], grow: float) -> np.ndarray:
    """Tokens whose box, grown (or shrunk, grow < 0) by `grow` pixels, covers the block.

    grow >= 0: the box touches the block; grow < 0: the shrunk box contains all of it."""
    top, left, h, w = block
    b_top, b_left = boxes[:, 0] - grow, boxes[:, 1] - grow
    b_bottom, b_right = boxes[:, 0] + boxes[:, 2] + grow, boxes[:, 1] + boxes[:, 3] + grow
    finite = np.isfinite(boxes).all(axis=1)
    if grow >= 0:
        hit = (b_top < top + h) & (b_bottom > top) & (b_left < left + w) & (b_right > left)
    else:
        hit = (b_top <= top) & (b_bottom >= top + h) & (b_left <= left) & (b_right >= left + w)
    return hit & finite


# Idefics3/SmolVLM resize twice with Lanczos (to the longest-edge budget, then up to whole
# tiles), which spreads one frame pixel over ~15 input pixels; frames already at the budget
# skip the first resize, so the test can still ask for a token's own pixels.
FRAMES = {"idefics3": ((34, 56), (56, 56)), "smolvlm": ((34, 56), (56, 56))}
# Resampling kernel radius, in input pixels (bicubic 2, Lanczos 3).
KERNEL = {"idefics3": 3.0, "smolvlm": 3.0}


def _cases() -> list[tuple[str, tuple[int, int]]]:
    cases = []
    for family in FAMILIES:
        for kind in family.model_types:
            wide, tiled = FRAMES.get(kind, (WIDE, TILED))
            cases.append((kind, wide))
            if family.tiles:
                cases.append((kind, tiled))
    return cases


# Input pixels per vision-token side in the tiny models: patch x merge (Qwen), x shuffle
# (InternVL, Idefics3), the patch alone (LLaVA family).
TOKEN_INPUT_SIDE = {"llava": 7, "llava_next": 7, "llava_onevision": 7, "qwen2_vl": 28,
                    "qwen2_5_vl": 28, "qwen3_vl": 32, "internvl": 14, "idefics3": 14,
                    "smolvlm": 14}


@pytest.mark.parametrize(("kind", "size"), _cases())
@pytest.mark.parametrize("where", [(0.2, 0.7), (0.75, 0.15)])
def test_vision_tokens_see_the_frame_region_their_boxes_say(kind: str, size, where,
                                                            backends) -> None:
    vlm = backends(kind)
    frame = _frames(size, seed=3)[0]
    boxes = vlm.ask([frame], PROMPT, max_new_tokens=1)[0].token_boxes
    finite = np.isfinite(boxes).all(axis=1)
    # The block sits at the centre of the finest token box nearest `where`.
    side = np.where(finite, np.minimum(boxes[:, 2], boxes[:, 3]), np.inf)
    finest = side <= side.min() * 1.01
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    target = np.array([where[0] * size[0], where[1] * size[1]])
    distance = np.where(finest, np.linalg.norm(centres - target, axis=1), np.inf)
    k0 = int(np.argmin(distance))
    block = (int(centres[k0, 0]), int(centres[k0, 1]), 1, 1)
    top, left, h, w = block
    changed_frame = frame.copy()
    changed_frame[top : top + h, left : left + w] = 255 - frame[top : top + h, left : left + w]
    hooks = _silence_attention(vlm.model)
    try:
        before, after = _vision_features(vlm, frame), _vision_features(vlm, changed_frame)
    finally:
        for hook in hooks:
            hook.remove()
    assert before.shape[0] == boxes.shape[0]
    changed = ((after - before).abs().amax(dim=-1) > 1e-5).numpy()
    # Resampling spreads a frame pixel over its kernel: two input pixels, in frame pixels;
    # plus one source token where OneVision shrinks its tile grid bilinearly.
    pixel = float(side.min()) / TOKEN_INPUT_SIDE[kind]
    margin = KERNEL.get(kind, 2.0) * pixel + 1.0
    interpolated = kind == "llava_onevision" and size == TILED
    if interpolated:
        margin += float(side.min())
    touching = _inside(boxes, block, margin)
    containing = _inside(boxes, block, -margin)
    assert changed.any(), "changing the block changed no vision token"
    assert interpolated or containing[k0], "the test's block is too close to a token's edge"
    assert not (changed & ~touching).any(), (
        f"tokens {np.flatnonzero(changed & ~touching)} changed but their boxes are away from "
        f"the block {block}: {boxes[changed & ~touching]}")
    assert not (containing & ~changed).any(), (
        f"tokens {np.flatnonzero(containing & ~changed)} hold the block {block} in their "
        f"boxes but did not change")
    # A gradient placed on one token that sees the block lands on the block in frame pixels.
    for k in np.flatnonzero(changed & containing):
        one_hot = np.zeros(boxes.shape[0], np.float32)
        one_hot[k] = 1.0
        heat = render(one_hot, boxes, size, size)  # one cell per frame pixel
        assert heat[top : top + h, left : left + w].min() > 0
        ys, xs = np.nonzero(heat)
        b = boxes[k]
        assert ys.min() >= b[0] - 1 and ys.max() <= b[0] + b[2] + 1
        assert xs.min() >= b[1] - 1 and xs.max() <= b[1] + b[3] + 1


def test_unknown_family_names_the_supported_ones(tmp_path: Path) -> None:
    from transformers import PaliGemmaConfig

    PaliGemmaConfig().save_pretrained(tmp_path)
    with pytest.raises(VLMError) as err:
        load_vlm(tmp_path, device="cpu")
    message = str(err.value)
    assert "'paligemma'" in message
    for family in FAMILIES:
        assert family.name in message


@pytest.mark.parametrize("kind", ["qwen2_5_vl", "llava_next"])
def test_feature_gradient_families_fuse_in_image_space(kind: str, backends) -> None:
    """A non-CLIP tower's map goes onto the CLIP grid through the whole frame."""
    from drivexplain.operators.config import HybridConfig
    from drivexplain.operators.verdicts.coherence import answer_gradient_map

    vlm = backends(kind)
    answer = vlm.ask(_frames(WIDE), PROMPT)[0]
    assert answer.map_method == FEATURE_GRADIENT
    assert answer.frame_box == (0.0, 0.0, float(WIDE[0]), float(WIDE[1]))
    heat = answer_gradient_map(answer, (7, 12), HybridConfig())
    assert heat is not None and heat.shape == (7, 12) and np.isfinite(heat).all()
    assert heat.max() > 0


@pytest.mark.parametrize("kind", FAMILY_TYPES)
def test_ask_cli_loads_the_family_from_its_directory(
    kind: str, saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """`drivexplain ask IMAGE --vlm DIR`: answer, answer overlay and hybrid overlays."""
    import json

    import cv2
    from typer.testing import CliRunner

    from drivexplain.pipeline.cli import app

    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), _frames((72, 128), seed=5)[0])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "ask", str(image), "--prompt", "is there a car ?", "--out", str(out),
        "--vlm", str(_dir(saved, tmp_path_factory, kind))])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "answer.json").read_text())
    family = next(f for f in FAMILIES if kind in f.model_types)
    assert record["vlm_family"] == family.name and record["map_method"] == family.map_method
    # Only the shipped tiny LLaVA's tower is the CLIP; these towers are not, so every family
    # (LLaVA-1.5 included) fuses in image space.
    assert record["fusion"] == "image-space"
    assert (out / "answer_overlay.png").is_file()
    assert (out / "hybrid_car.png").is_file()


def test_actor_audits_a_qwen_answer(
    saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
    model_config_dir: Path, tiny_vit_checkpoint: Path,
) -> None:
    """`coherence.vlm` set to a tiny Qwen2.5-VL: the actor's answers are the backend's, and
    their answer-gradient maps reach the verdict's hybrid maps on the CLIP grid."""
    from pipeline_support import tiny_config, write_video

    from drivexplain.pipeline.actors import AttributionActor
    from drivexplain.pipeline.chunks import plan_chunks
    from drivexplain.pipeline.prompts import PromptTrack
    from drivexplain.pipeline.sources.decode import index_video
    from drivexplain.pipeline.stages import decode_chunk

    qwen = _dir(saved, tmp_path_factory, "qwen2_5_vl")
    video = write_video(tmp_path / "v.mp4", 2)
    (chunk,) = plan_chunks("v", str(video), index_video(str(video)), [0, 1], chunk_frames=8)
    config = tiny_config(tiny_vit_checkpoint, **{"coherence.vlm": str(qwen),
                                                 "coherence.vlm_max_new_tokens": 4})
    tracks = [PromptTrack(PROMPT, ("car",), "test")]
    actor = AttributionActor(config.model_dump(mode="json"), ["car"], [str(model_config_dir)],
                             tracks=tracks)
    decoded = decode_chunk(chunk, 64)
    out = actor.explain(decoded)
    assert out.errors == {}
    assert actor.vlm is not None and actor.vlm.family.name == "Qwen2.5-VL"
    expected = load_vlm(qwen, device="cpu", max_new_tokens=4).ask(list(decoded.frames), PROMPT)
    got = {(a.frame, a.prompt): a for a in out.answers}
    for i, reply in zip([0, 1], expected, strict=True):
        assert got[(i, PROMPT)].answer == reply.answer
        assert got[(i, PROMPT)].answer_source == "vlm"
        # The VLM's own grounding evidence sits beside CLIP's for every concept.
        evidence = got[(i, PROMPT)].check.evidence
        assert "car" in evidence
        assert all(-1.0 <= e.vlm_grounding <= 1.0 for e in evidence.values())


@pytest.mark.parametrize("kind", ["llava", "qwen2_5_vl", "qwen3_vl", "internvl"])
def test_grounding_scores_are_glsim_terms_and_batch_invariant(kind: str, backends) -> None:
    from drivexplain.operators.vlm.grounding_score import grounding_scores

    vlm = backends(kind)
    frames = _frames(WIDE, (90, 50))
    concepts = [["car", "red truck"], ["road"]]
    batched = grounding_scores(vlm, frames, PROMPT, concepts, weight=0.3)
    alone = grounding_scores(vlm, frames, PROMPT, concepts, weight=0.3, batch_size=1)
    for row_b, row_a in zip(batched, alone, strict=True):
        assert row_b.keys() == row_a.keys()
        for concept, score in row_b.items():
            assert score.score == pytest.approx(
                0.3 * score.global_similarity + 0.7 * score.local_similarity, abs=1e-6)
            assert -1.0 <= score.global_similarity <= 1.0
            assert -1.0 <= score.local_similarity <= 1.0 and score.top_tokens
            assert score.score == pytest.approx(row_a[concept].score, abs=1e-4)
    # Concepts are told apart: the same frame scores different concepts differently.
    assert batched[0]["car"].score != pytest.approx(batched[0]["red truck"].score, abs=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("kind", FAMILY_TYPES)
def test_drivexplain_run_with_each_tiny_family(
    kind: str, saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """`drivexplain run --config` with `coherence.vlm: DIR` (each family's tiny model), end to
    end: the run's VLM answers are the ones the backend gives for the same frames."""
    import json

    from pipeline_support import write_video
    from typer.testing import CliRunner

    from drivexplain.pipeline.cli import app

    vlm_dir = _dir(saved, tmp_path_factory, kind)
    video = write_video(tmp_path / "clip.mp4", 4)
    config = tmp_path / "c.yaml"
    config.write_text(
        "coherence:\n"
        f"  vlm: {json.dumps(str(vlm_dir))}\n"
        "  vlm_max_new_tokens: 4\n"
        "  llm_extraction: false\n"
        "runtime:\n  device: cpu\n  batch_size: 4\n"
        "pipeline:\n  num_actors: 1\n  chunk_frames: 4\n  decode_cpus: 0.25\n"
        "  writer_cpus: 0.25\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(video), "--prompt", "is there a car ?",
                                      "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for path in out.rglob("*.jsonl") for line in path.open()
            if line.strip()]
    answered = [r for r in rows if r.get("answer_source") == "vlm"]
    assert answered, f"no VLM answers in {sorted(p.name for p in out.rglob('*'))}"
    direct = load_vlm(vlm_dir, device="cpu", max_new_tokens=4)
    assert {r["answer"] for r in answered} <= {
        a.answer for a in direct.ask(list(_video_frames(video)), "is there a car ?")} | {None}


def _video_frames(video: Path) -> list[np.ndarray]:
    import av

    with av.open(str(video)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_shipped_tiny_llava_keeps_exact_fusion(tmp_path: Path) -> None:
    """The shipped tiny LLaVA's tower is the shipped CLIP: `ask` fuses on the CLIP grid."""
    import json

    import cv2
    from typer.testing import CliRunner

    from drivexplain.operators.vlm.hybrid import DEFAULT_VLM_DIR
    from drivexplain.pipeline.cli import app

    if not DEFAULT_VLM_DIR.is_dir():
        pytest.skip("the shipped tiny LLaVA is missing")
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), _frames((90, 160), seed=6)[0])
    result = CliRunner().invoke(app, ["ask", str(image), "--prompt", "is there a car?",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "out" / "answer.json").read_text())
    assert record["fusion"] == "exact" and record["vlm_family"] == "LLaVA-1.5"
    assert record["tower_max_diff"] is not None and record["tower_max_diff"] < 1e-3
