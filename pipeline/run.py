"""The streaming job: inputs in, per-video outputs and a run report out.

The driver only plans and keeps score. It indexes the inputs, plans keyframe-aligned chunks,
skips whatever a previous run finished, and streams the remaining chunks through Ray Data:

    chunks (1 per block) -> decode (CPU tasks) -> Concept Attribution (actor pool) -> write
    (CPU tasks: log rows + overlay segment + marker, per chunk)

What comes back to the driver is one small status row per chunk; per-frame results stay on
the workers and on disk. When a video's last chunk is written, a Ray task joins its chunks
into the final files (see `drivexplain.pipeline.sinks.finalize`), while other videos keep streaming.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivexplain.operators.config import DrivexplainConfig
from drivexplain.pipeline.answers import LoggedAnswer
from drivexplain.pipeline.chunks import Chunk, plan_chunks
from drivexplain.pipeline.guards import (
    OutputLock,
    actor_memory_bytes,
    check_local_resources,
    check_output_dir,
    local_ray_environment,
    output_lock,
)
from drivexplain.pipeline.prompts import PromptTrack, all_concepts
from drivexplain.pipeline.sinks.layout import (
    RunLayout,
    chunk_done,
    job_fingerprint,
    read_json,
    video_done,
)
from drivexplain.pipeline.sinks.report import run_report
from drivexplain.pipeline.sinks.writers import write_json_atomic, write_text_atomic
from drivexplain.pipeline.sources.decode import VideoError, sample_frames
from drivexplain.pipeline.sources.formats import SourceSettings, index_source
from drivexplain.pipeline.sources.inputs import VideoInput, expand_inputs
from drivexplain.pipeline.stages import now_iso

log = logging.getLogger("drivexplain.pipeline")


@dataclass
class RunOptions:
    """Everything a run needs; the CLI and the tests build one of these."""

    inputs: list[str]
    prompts: list[str]
    out: Path
    config: DrivexplainConfig
    concepts: list[str] = field(default_factory=list)
    address: str | None = None
    model_config_dirs: list[str] = field(default_factory=list)
    keep_work: bool = False
    progress: bool = True
    # Logged answers to audit (`--answers FILE.jsonl`, see pipeline.answers).
    answers: Path | None = None
    # Answers that cannot be placed are recorded either way; without this they fail the run.
    allow_unplaced: bool = False
    # Which video stream of each input to analyse (`--stream N`, from 0); None: the first.
    stream: int | None = None
    # Camera topics of MCAP and ROS bag inputs (`--topic`, repeatable); empty: every one.
    topics: list[str] = field(default_factory=list)



@dataclass
class RunSummary:
    videos: list[dict[str, Any]]
    out: Path
    # --answers lines that could not be placed: {"where": "file:line", "reason", "video"}
    unplaced: list[dict[str, Any]] = field(default_factory=list)
    allow_unplaced: bool = False

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [v for v in self.videos if v["status"] != "ok"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or (self.unplaced and not self.allow_unplaced) else 0


@dataclass
class _Video:
    source: VideoInput
    fingerprint: str
    chunks: list[Chunk] = field(default_factory=list)
    pending: set[int] = field(default_factory=set)
    expected_rows: int = 0
    summary: dict[str, Any] | None = None
    answers: dict[int, dict[str, str]] = field(default_factory=dict)
    unplaced: list[dict[str, Any]] = field(default_factory=list)
    stream_note: str | None = None
    # Where the frame times came from (VideoIndex.timing) and whether --fps made them up.
    timestamps: dict[str, Any] | None = None


def _answer_names(source: VideoInput) -> list[str]:
    """What an answers line's `video` may say to mean this input."""
    return [source.name, source.name.rsplit(".", 1)[0], source.uri, source.video_id]


def _unplaced(path: Path | None, found: list[tuple[int, str]], video: str | None
              ) -> list[dict[str, Any]]:
    return [{"where": f"{path}:{line}", "line": line, "reason": reason, "video": video}
            for line, reason in found]


_OBJECT_STORE_BYTES = 512 * 1024 * 1024


def _init_ray(options: RunOptions) -> bool:
    """Start Ray locally with enough logical CPUs for the stages, or join `address`.

    Returns whether this call started Ray (and so must shut it down).
    """
    import ray

    if ray.is_initialized():
        return False
    if options.address:
        ray.init(address=options.address, log_to_driver=False, logging_level=logging.WARNING)
        return True
    cfg = options.config.pipeline
    needed = cfg.num_actors * cfg.num_cpus_per_actor + cfg.decode_cpus + cfg.writer_cpus
    cores = os.cpu_count() or 1
    if needed > cores:
        log.warning(
            "the stages reserve %.1f CPUs on a %d-core machine; Ray is told there are %.1f so "
            "that every stage can run (they will share the cores)", needed, cores, needed)
    ray.init(
        address="local",  # never join a cluster that `ray start` left on this machine
        num_cpus=max(cores, int(needed + 0.999)),
        num_gpus=None,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        object_store_memory=_OBJECT_STORE_BYTES,
    )
    return True


def _plan(
    prepared: PreparedRun, layout: RunLayout, config_hash: str, config_dict: dict[str, Any],
    run_info: dict[str, Any],
) -> list[_Video]:
    from drivexplain.pipeline.answers import assign_answers
    from drivexplain.pipeline.sinks.finalize import UnreadableInput, fail_video

    cfg = prepared.options.config.pipeline
    tracks, logged = prepared.tracks, prepared.logged
    track_dicts = [t.to_dict() for t in tracks]
    if prepared.answers_digest:  # other answers are another audit: nothing finished is reused
        track_dicts = [*track_dicts, {"answers": prepared.answers_digest}]
    stream = prepared.options.stream
    if stream:  # another stream is another audit (stream 0 keeps the fingerprints it had)
        track_dicts = [*track_dicts, {"stream": stream}]
    videos: list[_Video] = []
    reading = SourceSettings(stream, prepared.options.config.input.fps,
                             prepared.options.config.input.mcap_timestamp)
    for source in prepared.videos:
        topic = [{"topic": source.topic}] if source.topic else []  # one video per topic
        video = _Video(source, job_fingerprint(config_hash, track_dicts + topic, source.uri))
        videos.append(video)
        vlayout = layout.video(source.video_id)
        if video_done(vlayout, video.fingerprint):
            manifest = read_json(vlayout.manifest) or {}
            video.summary = dict(manifest.get("summary", {}), skipped=True)
            video.unplaced = list(manifest.get("unplaced_answers", []))
            log.info("%s: finished in an earlier run, skipped", source.name)
            continue
        try:
            index = index_source(source, reading)
        except VideoError as err:
            log.error("%s: %s", source.name, err)
            video.summary = fail_video(UnreadableInput(
                out_dir=str(layout.root), video_id=source.video_id, uri=source.uri,
                name=source.name, config=config_dict, run_info=run_info, reason=str(err),
                config_hash=config_hash, processed_at=now_iso(),
            ))
            continue
        if index.video_streams > 1:
            video.stream_note = (
                f"{index.video_streams} video streams; stream {index.stream} analysed"
                + ("" if stream is not None else " (the first; --stream N chooses another)"))
            log.warning("%s: %s", source.name, video.stream_note)
        video.timestamps = {"source": index.timing, "synthesised": index.synthesised}
        if index.synthesised:
            log.info("%s: timestamps %s", source.name, index.timing)
        sampled = sample_frames(index, cfg.stride, cfg.sample_fps)
        video.chunks = plan_chunks(source.video_id, source.uri, index, sampled, cfg.chunk_frames,
                                   kind=source.kind, topic=source.topic or "",
                                   first_chunk_frames=cfg.first_chunk_frames)
        video.expected_rows = len(sampled) * len(tracks)
        if logged is not None:
            rate = index.average_rate
            placed = assign_answers(
                logged, _answer_names(source),
                {i: index.timestamp(i) for i in sampled}, float(rate) if rate else None)
            video.answers = placed.answers
            video.unplaced = _unplaced(prepared.options.answers, placed.unplaced, source.name)
            log.info("%s: %d analysed frames have logged answers", source.name,
                     len(placed.answers))
            for problem in video.unplaced[:5]:
                log.warning("%s: answer %s cannot be placed: %s", source.name,
                            problem["where"], problem["reason"])
            if len(video.unplaced) > 5:
                log.warning("%s: %d more answers cannot be placed (all are listed in run.json)",
                            source.name, len(video.unplaced) - 5)
        video.pending = {
            c.chunk_index for c in video.chunks
            if not chunk_done(vlayout, c.chunk_index, video.fingerprint, (c.start, c.stop))
        }
        reused = len(video.chunks) - len(video.pending)
        log.info("%s: %d frames (%d analysed) in %d chunks%s", source.name, index.num_frames,
                 len(sampled), len(video.chunks),
                 f", {reused} finished earlier" if reused else "")
    return videos


def _build_dataset(
    options: RunOptions, chunks: list[Chunk], tracks: list[PromptTrack], config_hash: str,
    fingerprints: dict[str, str], answers: dict[str, dict[int, dict[str, str]]] | None = None,
) -> Any:
    import ray
    from ray.data import ActorPoolStrategy, DataContext

    from drivexplain.pipeline.actors import AttributionActor
    from drivexplain.pipeline.batches import rows_block
    from drivexplain.pipeline.payloads import CHUNK_TYPE
    from drivexplain.pipeline.stages import WriterSettings, decode_stage, write_stage

    cfg = options.config.pipeline
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    # Each stage hands chunks on in plan order. Otherwise a later chunk whose decode worker was
    # warm overtakes a video's short first chunk (pipeline.first_chunk_frames) into the model
    # actor, and the first rows wait for a whole chunk again (seen in 1 of 9 benchmark runs).
    context.execution_options.preserve_order = True
    # Ray Data warns once that its bars are off; ours replace them, so mark it said already.
    from ray.util.debug import log_once

    log_once("ray_data_progress_manager_disabled")
    # The actors request their memory (below), so Ray Data's every-30-s "uses X but requests
    # 0 B" check has nothing to add; its measure (peak unique memory + 25 %) is not ours.
    context.issue_detectors_config.high_memory_detector_config.detection_time_interval_s = -1
    memory = actor_memory_bytes(options.config, with_vlm=bool(
        options.config.coherence.enabled and options.config.coherence.vlm
        and options.answers is None))
    log.info("each attribution actor requests %.1f GiB of memory (runtime, weights and one "
             "batch of %d frames)", memory / 2**30, options.config.runtime.batch_size)
    log.info("Ray logs an error line for each attribution actor, \"has constructor arguments "
             "in the object store and max_restarts > 0\": Ray Data passes every actor its "
             "arguments that way; this process holds them for the whole run, so a restarted "
             "actor finds them. It needs no action.")
    # one block per chunk: the unit of retry
    ds = ray.data.from_arrow([rows_block([{"chunk": c.to_dict()}], {"chunk": CHUNK_TYPE})
                              for c in chunks])
    ds = ds.map_batches(
        decode_stage,
        batch_size=1,
        batch_format="numpy",
        num_cpus=cfg.decode_cpus,
        fn_kwargs={"short_side": cfg.transport_short_side},
    )
    ds = ds.map_batches(
        AttributionActor,
        batch_size=cfg.actor_batch_size,
        batch_format="numpy",
        compute=ActorPoolStrategy(size=cfg.num_actors),
        num_cpus=cfg.num_cpus_per_actor,
        memory=memory,
        num_gpus=cfg.num_gpus_per_actor or None,
        fn_constructor_kwargs={
            "config": options.config.model_dump(mode="json"),
            "concepts": all_concepts(tracks),
            "model_config_dirs": [str(Path(d).resolve()) for d in options.model_config_dirs],
            "torch_threads": max(1, int(cfg.num_cpus_per_actor)),
            "tracks": list(tracks),
            "answers": answers or {},
            "logged_answers": options.answers is not None,
        },
    )
    return ds.map_batches(
        write_stage,
        batch_size=1,
        batch_format="numpy",
        num_cpus=cfg.writer_cpus,
        fn_kwargs={"settings": WriterSettings(
            out_dir=str(options.out.resolve()),
            tracks=tuple(tracks),
            fingerprints=fingerprints,
            config_hash=config_hash,
            cd_below=cfg.flag_cd_below,
            ns_below=cfg.flag_ns_below,
            crf=cfg.video_crf,
            preset=cfg.video_preset,
            coherence=options.config.coherence,
            overlay=cfg.overlay,
        )},
    )


def _written_chunks(ds: Any) -> Iterator[dict[str, Any]]:
    """The write stage's status rows, each as soon as its chunk is written.

    `Dataset.iter_rows` prefetches one block and waits for the next before it hands over the
    current one, so the driver would hear of every chunk a whole chunk late (and with one
    chunk left, only at the end): the progress bar, `on_chunk` and the joining of a finished
    video would all lag. Without prefetching each block is handed over when it arrives; the
    rows are tiny, so nothing is lost by not fetching ahead.
    """
    for block in ds.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=0):
        yield from block.to_pylist()


def _first_line(err: BaseException) -> str:
    """The useful line of a (possibly Ray-wrapped) exception."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    named = [line for line in lines if "Error:" in line or "Exception:" in line]
    return (named[-1] if named else lines[0] if lines else type(err).__name__)[:500]


def preflight(options: RunOptions) -> None:
    """Fail before Ray starts if the model cannot possibly load (name, checkpoint, device)."""
    import open_clip

    from drivexplain.operators.assets import looks_like_path
    from drivexplain.operators.models.backbone import (
        check_checkpoint,
        checkpoint_file,
        register_model_configs,
    )

    register_model_configs()
    for directory in options.model_config_dirs:
        open_clip.add_model_config(Path(directory))
    model = options.config.model
    if model.name not in open_clip.list_models():
        raise ValueError(f"model {model.name!r} is not an open_clip model name")
    pretrained = model.pretrained
    if pretrained and looks_like_path(pretrained) and not Path(pretrained).exists():
        raise ValueError(f"checkpoint {pretrained!r} does not exist")
    local = checkpoint_file(model)
    if local is not None:  # keys and shapes against the named model, before any actor loads it
        check_checkpoint(model.name, local)
    if options.address is None:  # on a cluster the workers, not the driver, hold the GPUs
        from drivexplain.operators.models.device import resolve_device

        resolve_device(options.config.runtime.device)
    coherence = options.config.coherence
    if coherence.enabled and coherence.vlm and options.answers is None:
        from drivexplain.operators.vlm.backend import check_prompts_fit

        # the VLM's tokenizer and processor only: a prompt its context cannot hold is refused
        # here, not in every chunk
        check_prompts_fit(coherence.vlm, [p.strip() for p in options.prompts if p.strip()],
                          coherence.vlm_max_new_tokens)


def _progress(enabled: bool) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), disable=not enabled, transient=False,
    )


@dataclass(frozen=True)
class PreparedRun:
    """A run whose inputs were checked: resolved prompts, parsed answers, found videos."""

    options: RunOptions
    tracks: list[PromptTrack]
    videos: list[VideoInput]
    logged: list[LoggedAnswer] | None = None
    answers_digest: str | None = None


def _check_stream(stream: int | None, videos: list[VideoInput]) -> None:
    """`--stream N` must name a video stream of every input that can be opened at all (one
    that cannot is reported as a failed input, as without --stream)."""
    if stream is None:
        return
    if stream < 0:
        raise ValueError(f"--stream {stream}: stream numbers count from 0")
    from drivexplain.pipeline.sources.decode import count_video_streams, no_such_stream

    for video in videos:
        if video.kind != "video":
            continue
        count = count_video_streams(video.uri)
        if count is not None and stream >= count:
            raise ValueError(f"--stream {stream}: {video.name} {no_such_stream(stream, count)}")


def _check_timing(videos: list[VideoInput], options: RunOptions) -> None:
    """--topic needs a robot log to apply to, and inputs without timestamps need --fps."""
    if options.topics and not any(v.kind in ("mcap", "rosbag") for v in videos):
        raise ValueError(f"--topic {options.topics[0]}: no input is an MCAP file or ROS bag")
    if options.config.input.fps is not None:
        return
    from drivexplain.pipeline.sources.formats import needs_fps

    for video in videos:
        why = needs_fps(video)
        if why:
            raise ValueError(f"{video.name} {why}: give --fps (frames per second)")


def prepare_run(options: RunOptions) -> PreparedRun:
    """Everything that can be checked before any compute, each check done once.

    Raises `PromptError`, `AnswersError` or `ValueError` with a sentence for the user; the
    command turns those into its usage exit code, and `run_pipeline` uses the result as is.
    """
    from drivexplain.pipeline.answers import read_answers_with_digest
    from drivexplain.pipeline.prompts import resolve_tracks

    config = options.config
    tracks = resolve_tracks(options.prompts, options.concepts,
                            Path(config.attribution.contrastive.vocabulary),
                            allow_generic=config.coherence.enabled and bool(
                              options.answers or config.coherence.vlm))
    logged, answers_digest = read_answers_with_digest(
        options.answers, [t.prompt for t in tracks]) if options.answers else (None, None)
    check_output_dir(options.out)
    videos = expand_inputs(options.inputs, options.topics)
    if not videos:
        raise ValueError(f"no input video found in {options.inputs}")
    _check_timing(videos, options)
    preflight(options)
    _check_stream(options.stream, videos)
    if options.address is None:  # what a cluster can schedule is the cluster's business
        coherence = config.coherence
        check_local_resources(config.pipeline, actor_memory=actor_memory_bytes(
            config, with_vlm=bool(coherence.enabled and coherence.vlm and not options.answers)),
            reserved=_OBJECT_STORE_BYTES)
    return PreparedRun(options, tracks, videos, logged, answers_digest)


def run_pipeline(run: RunOptions | PreparedRun, on_chunk: Callable[[dict], None] | None = None
                 ) -> RunSummary:
    """Run the whole job; the summary's `exit_code` says whether any input failed.

    Takes the options, or what `prepare_run` made of them when the caller checked first.
    Raises `OutputBusy` (a ValueError naming the holder) if another run holds `--out`.
    """
    import ray

    prepared = run if isinstance(run, PreparedRun) else prepare_run(run)
    local = prepared.options.address is None and not ray.is_initialized()
    with output_lock(prepared.options.out) as lock, (
            local_ray_environment() if local else contextlib.nullcontext()):
        return _run_locked(prepared, lock, on_chunk)


def _run_locked(prepared: PreparedRun, lock: OutputLock,
                on_chunk: Callable[[dict], None] | None = None) -> RunSummary:
    import ray

    from drivexplain.pipeline.sinks.finalize import JoinChunks, finalize_video

    options, tracks = prepared.options, prepared.tracks
    config = options.config
    config_hash = config.digest()
    config_dict = config.model_dump(mode="json")
    layout = RunLayout(options.out)
    options.out.mkdir(parents=True, exist_ok=True)
    run_info: dict[str, Any] = {
        "config_hash": config_hash,
        "prompts": [t.to_dict() for t in tracks],
        "inputs": list(options.inputs),
        "model": f"{config.model.name} ({config.model.pretrained or 'embedded default'})",
        "ray_address": options.address or "local",
        "answers": str(options.answers) if options.answers else None,
        "vlm": config.coherence.vlm,
        "stream": options.stream,  # which video stream was analysed (None: the first)
    }
    videos = _plan(prepared, layout, config_hash, config_dict, run_info)
    unplaced: list[dict[str, Any]] = []
    if prepared.logged is not None:
        from drivexplain.pipeline.answers import unknown_videos

        unplaced = _unplaced(options.answers, unknown_videos(
            prepared.logged, [n for v in prepared.videos for n in _answer_names(v)]), None)
        for problem in unplaced:
            log.warning("answer %s cannot be placed: %s", problem["where"], problem["reason"])
    todo = [v for v in videos if v.summary is None]
    pending_chunks = [c for v in todo for c in v.chunks if c.chunk_index in v.pending]

    stopped = ""
    started_ray = _init_ray(options) if todo else False
    if started_ray and options.address is None:  # a rerun stops what a killed run leaves
        lock.record(ray_node_id=ray.get_runtime_context().get_node_id())
    try:
        finalize = ray.remote(num_cpus=0)(finalize_video) if todo else None
        refs: dict[Any, _Video] = {}

        def submit(video: _Video) -> None:
            ref = finalize.remote(JoinChunks(  # type: ignore[union-attr]
                out_dir=str(options.out.resolve()), video_id=video.source.video_id,
                uri=video.source.uri, name=video.source.name, config=config_dict,
                run_info=run_info, num_chunks=len(video.chunks),
                expected_rows=video.expected_rows, fingerprint=video.fingerprint,
                keep_work=options.keep_work, unplaced_answers=tuple(video.unplaced),
                stream_note=video.stream_note, timestamps=video.timestamps,
                source={"kind": video.source.kind, "topic": video.source.topic},
            ))
            refs[ref] = video

        for video in todo:
            if not video.pending:
                submit(video)
        if pending_chunks:
            by_id = {v.source.video_id: v for v in todo}
            answers = {v.source.video_id: v.answers for v in todo if v.answers}
            ds = _build_dataset(options, pending_chunks, tracks, config_hash,
                                {v.source.video_id: v.fingerprint for v in todo}, answers)
            total_frames = sum(len(c.sampled) for c in pending_chunks)
            with _progress(options.progress) as progress:
                overall = progress.add_task("frames", total=total_frames)
                per_video = {
                    v.source.video_id: progress.add_task(
                        v.source.name[:40], total=len(v.chunks),
                        completed=len(v.chunks) - len(v.pending))
                    for v in todo if v.pending
                }
                try:
                    for row in _written_chunks(ds):
                        video = by_id[row["video_id"]]
                        if row["failure"]:
                            log.error("%s chunk %d failed: %s", video.source.name,
                                      row["chunk_index"], row["failure"])
                        progress.advance(overall, int(row["frames"]))
                        progress.advance(per_video[video.source.video_id])
                        video.pending.discard(int(row["chunk_index"]))
                        if on_chunk is not None:
                            on_chunk(dict(row))
                        if not video.pending:
                            submit(video)
                except Exception as err:  # e.g. the model cannot load in the actors
                    stopped = _first_line(err)
                    log.error("the pipeline stopped: %s", stopped)
        for ref, video in refs.items():
            video.summary = ray.get(ref)
    finally:
        if started_ray:
            ray.shutdown()
    for video in videos:
        if video.summary is None:
            reason = "chunks did not finish" + (f": {stopped}" if stopped else "")
            video.summary = {"video_id": video.source.video_id, "name": video.source.name,
                             "uri": video.source.uri, "status": "failed",
                             "reason": reason, "report": False}
    summaries = [v.summary for v in videos if v.summary is not None]
    unplaced += [u for v in videos for u in v.unplaced]
    run_info["finished_at"] = now_iso()
    write_json_atomic(layout.run_record, {"run": run_info, "config": config_dict,
                                          "videos": summaries, "unplaced_answers": unplaced})
    write_text_atomic(layout.report, run_report(summaries, config_dict, run_info, unplaced))
    for summary in summaries:
        level = logging.INFO if summary["status"] == "ok" else logging.ERROR
        log.log(level, "%s: %s%s", summary["name"], summary["status"],
                f" ({summary['reason']})" if summary.get("reason") else "")
    if unplaced:
        level = logging.WARNING if options.allow_unplaced else logging.ERROR
        log.log(level, "%d answers in %s could not be placed; each is listed with its line and "
                "reason in run.json and report.html%s", len(unplaced), options.answers,
                " (accepted: --allow-unplaced)" if options.allow_unplaced
                else "; fix them, or pass --allow-unplaced to accept them")
    return RunSummary(summaries, options.out, unplaced, options.allow_unplaced)
