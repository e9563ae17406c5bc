"""Published attribution methods for ViT-CLIP, to measure Concept Attribution against.

Each function takes preprocessed pixels (B, 3, H, W) and one unit text direction per frame
(B, D) and returns (B, P) patch maps (higher = more relevant). They are reimplemented from their
papers on the same functional forward as Concept Attribution where their authors ship no
package (attention rollout, Chefer's rules); where they do, the package runs: Grad-CAM through
`grad-cam`, hooked on that forward's modules, and LeGrad through `legrad_torch` on a copy of the
model. Every method sees the same input size.
"""

from __future__ import annotations

import contextlib
import copy
import io
import weakref

import torch
import torch.nn.functional as F

from drivexplain.operators.attribution import similarity_gradients
from drivexplain.operators.models.backbone import OpenClipViT


def _all_layers(bb: OpenClipViT) -> list[int]:
    return list(range(bb.num_layers))


def last_layer_attention(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Raw CLS attention of the last layer, averaged over heads (text-blind)."""
    last = bb.num_layers - 1
    with torch.no_grad():
        trace = bb.trace(pixels, capture_layers=[last])
    return trace.attentions[last][:, :, trace.query_rows, 1:].mean(dim=(1, 2))


def attention_rollout(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Abnar & Zuidema (2020): product of head-averaged (A + I)/2 over layers (text-blind)."""
    with torch.no_grad():
        trace = bb.trace(pixels, capture_layers=_all_layers(bb))
    n = trace.attentions[0].shape[-1]
    eye = torch.eye(n, device=pixels.device)
    rollout = eye.expand(pixels.shape[0], n, n)
    for layer in range(bb.num_layers - 1):
        a = 0.5 * trace.attentions[layer].mean(1) + 0.5 * eye
        rollout = (a / a.sum(-1, keepdim=True)) @ rollout
    last = trace.attentions[bb.num_layers - 1].mean(1)  # (B, Q, N): pooled query rows only
    rows = eye[trace.query_rows]
    a = 0.5 * last + 0.5 * rows
    final = (a / a.sum(-1, keepdim=True)) @ rollout
    return final.mean(1)[:, 1:]


def _traced_gradients(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor):
    with torch.enable_grad():
        trace = bb.trace(pixels, capture_layers=_all_layers(bb))
        grads = similarity_gradients(trace, text[:, None].float(), _all_layers(bb))
    return trace, [g[:, 0] for g in grads]


def chefer_last_layer(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Chefer et al. (2021) grad⊙attention, positive part, head mean, last layer only."""
    trace, grads = _traced_gradients(bb, pixels, text)
    last = bb.num_layers - 1
    cam = (grads[last] * trace.attentions[last].detach()).clamp(min=0).mean(1)
    return cam[:, :, 1:].mean(1)


def chefer_all_layers(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Chefer et al. (2021, bi-modal rule for self-attention): R ← R + Ē·R over all layers."""
    trace, grads = _traced_gradients(bb, pixels, text)
    b = pixels.shape[0]
    n = trace.attentions[0].shape[-1]
    relevance = torch.eye(n, device=pixels.device).expand(b, n, n).clone()
    for layer in range(bb.num_layers - 1):
        cam = (grads[layer] * trace.attentions[layer].detach()).clamp(min=0).mean(1)
        relevance = relevance + cam @ relevance
    last = bb.num_layers - 1
    cam = (grads[last] * trace.attentions[last].detach()).clamp(min=0).mean(1)  # (B, Q, N)
    final = relevance[:, trace.query_rows] + cam @ relevance
    return final.mean(1)[:, 1:]


def legrad_wrapper(bb: OpenClipViT) -> torch.nn.Module:
    """`legrad_torch`'s `LeWrapper` around a private copy of the backbone's model, built once.

    The wrapper rebinds the forwards of the model's own modules and unfreezes its last blocks,
    so it gets a deep copy: the backbone's model is never touched. Two adaptations, nothing
    else:
    - The package was written for open_clip <= 2.23, whose ViT ran sequence-first; its forward
      still hands (tokens, batch, width) to the blocks, and open_clip >= 3 builds them
      batch-first. The blocks LeGrad hooks read that layout; the blocks below
      `starting_depth` it leaves alone are told `batch_first = False`, so they read it too.
    - Its forward resamples the positional embedding assuming a square grid whenever the token
      count differs from the width. The copy's embedding is set to the backbone's own for its
      input size (as (1, tokens, width), the shape that forward keeps), so no resample happens
      and non-square inputs (the shipped 12x21 grid) work.
    """
    wrapper = _LEGRAD.get(bb)
    if wrapper is None:
        from legrad import LeWrapper

        model = copy.deepcopy(bb.model)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints progress lines
            wrapper = LeWrapper(model)
        blocks = wrapper.visual.transformer.resblocks
        for block in list(blocks)[: wrapper.starting_depth]:
            block.attn.batch_first = False
        pos = bb._positional_embedding().detach().clone()
        wrapper.visual.positional_embedding.data = pos[None]
        _LEGRAD[bb] = wrapper
    return wrapper


_LEGRAD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def legrad(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """LeGrad (Bousselham et al., 2024) through its authors' package, `legrad_torch`.

    The forward and the attention hooks are the package's (`legrad_wrapper`); the map is
    `LeWrapper.compute_legrad_clip`'s, line for line: for every hooked layer l (the package's
    default, the last two), the score text . normalise(ln_post(mean of all tokens after l) @
    proj) is differentiated with respect to layer l's attention alone, the positive part is
    averaged over heads and query rows, and the layers are summed. What differs is the last
    step: the package reshapes to a square grid, this returns (B, P) patch maps over the
    backbone's grid (any shape); the package's bilinear upsampling and min-max do not move the
    peak. Frames are batched: each frame's score depends only on its own tokens, so the sum
    over frames has the same gradient per frame as one call per frame.
    """
    wrapper = legrad_wrapper(bb)
    gh, gw = bb.grid.shape
    blocks = list(wrapper.visual.transformer.resblocks)[wrapper.starting_depth :]
    with torch.enable_grad():
        wrapper.encode_image(pixels.to(bb.device))
        total = 0.0
        for block in blocks:
            feature = block.feat_post_mlp  # (tokens, batch, width)
            feature = F.normalize(wrapper.visual.ln_post(feature.mean(dim=0)) @ wrapper.visual.proj,
                                  dim=-1)
            score = (text.to(feature.dtype) * feature).sum()
            attention = block.attn.attention_maps  # (batch * heads, tokens, tokens)
            grad = torch.autograd.grad(score, [attention], retain_graph=True)[0]
            grad = grad.view(pixels.shape[0], -1, *grad.shape[1:]).clamp(min=0)
            total = total + grad.mean(dim=1).mean(dim=1)[:, 1:]
    if total.shape[1] != gh * gw:
        raise RuntimeError(f"LeGrad's map has {total.shape[1]} patches, the grid {gh}x{gw}")
    return total.detach()


def gradcam(bb: OpenClipViT, pixels: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Grad-CAM through the `grad-cam` library on the last block's input norm, as in its ViT
    tutorial: patch tokens reshaped to the grid, target = image–text cosine.

    The forward is the backbone's (`bb.trace`), which calls the block's `ln_1` module, so the
    library's hooks fire; open_clip's own forward would reject a non-native `input_size`.
    """
    from pytorch_grad_cam import GradCAM

    gh, gw = bb.grid.shape

    class _Similarity(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.visual = bb.visual  # registered so the library can read the device
            self.text: torch.Tensor | None = None

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # parameters are frozen, so the input must carry grad for activations to have one
            emb = bb.trace(x.detach().requires_grad_(True)).embedding
            return (F.normalize(emb.float(), dim=-1) * self.text).sum(-1, keepdim=True)

    def reshape(tokens: torch.Tensor) -> torch.Tensor:
        return tokens[:, 1:].reshape(tokens.shape[0], gh, gw, -1).permute(0, 3, 1, 2)

    model = _Similarity()
    target = [bb.visual.transformer.resblocks[-1].ln_1]
    out = []
    with GradCAM(model=model, target_layers=target, reshape_transform=reshape) as cam:
        for i in range(pixels.shape[0]):
            model.text = text[i : i + 1]
            heat = cam(input_tensor=pixels[i : i + 1], targets=[lambda o: o[0]])
            heat = torch.from_numpy(heat).to(pixels.device)[:, None]
            out.append(F.adaptive_avg_pool2d(heat, (gh, gw)).flatten(1))
    return torch.cat(out)


BASELINES = {
    "last-layer attention": last_layer_attention,
    "attention rollout": attention_rollout,
    "Chefer grad⊙attn (last)": chefer_last_layer,
    "Chefer grad⊙attn (all)": chefer_all_layers,
    "LeGrad (legrad_torch)": legrad,
    "Grad-CAM (grad-cam)": gradcam,
}
