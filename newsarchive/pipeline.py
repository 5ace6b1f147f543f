"""Workflows that span both apps: import or re-extract a file or article, set a date, merge people."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction

from articles import services as article_services
from articles.extraction import EXTRACTOR_VERSION, extract, extract_many
from articles.extraction import types as ex
from articles.extraction.decode import InputError, decode
from articles.models import Article, ImportRun
from timeline import services as timeline_services


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to import: the settings the caller read, passed in (the pipeline never reads settings)."""

    nlp_model: str | None
    publish: bool = True
    max_bytes: int = 5 * 1024 * 1024
    match_threshold: float = 90.0
    dry_run: bool = False
    reextract: bool = False
    jobs: int = 1


@dataclass(slots=True)
class FileOutcome:
    """What became of one file."""

    name: str
    outcome: str  # created, updated, unchanged, failed, would-create
    reason: str = ""
    article_id: int | None = None
    encoding: str = ""
    detail: dict = field(default_factory=dict)
    # Seconds its transaction took (storing and placing it on the timeline); 0 for a file not stored.
    stored_in: float = 0.0

    def as_dict(self) -> dict:
        row = {"name": self.name, "outcome": self.outcome, "reason": self.reason}
        if self.article_id is not None:
            row["article_id"] = self.article_id
        if self.encoding:
            row["encoding"] = self.encoding
        return row


@dataclass(frozen=True, slots=True)
class _Prepared:
    name: str
    raw: bytes
    text: str
    encoding: str
    manifest: Mapping[str, str]


def read_file(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of ``path``, or an InputError saying in one line why not."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file too large ({size} bytes; the limit IMPORT_MAX_BYTES is {max_bytes})")
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except PermissionError as exc:
        raise InputError("unreadable: permission denied") from exc
    except IsADirectoryError as exc:
        raise InputError("is a folder, not a file") from exc
    except FileNotFoundError as exc:
        raise InputError("no such file") from exc
    except OSError as exc:
        raise InputError(f"unreadable: {exc.strerror or exc}") from exc


# Files extracted together: the language model reads their bodies in one pass (see extract_many). A worker
# takes a smaller batch, so that storing can start while the other workers still read.
_BATCH = 16
_WORKER_BATCH = 8


def _extract_batch(jobs: list[tuple[str, ex.Hints, str | None]]) -> list[ex.Extraction | Exception]:
    """The extraction of each of ``jobs`` (which share one model), or the error it raised, in order."""
    return list(_extractions(jobs, batch_size=len(jobs)))


def _unbatched(batches: Iterable[list[ex.Extraction | Exception]]) -> Iterator[ex.Extraction | Exception]:
    for batch in batches:
        yield from batch


def _extractions(
    jobs: list[tuple[str, ex.Hints, str | None]], *, batch_size: int = _BATCH
) -> Iterator[ex.Extraction | Exception]:
    """Each job's extraction, or the error it raised, in order: a file the extractor fails on fails alone.

    extract_many raises at the failing text's turn and stops; the files after it are read by a new pass.
    """
    done = 0
    while done < len(jobs):
        try:
            for extraction in _extract_all(jobs[done:], batch_size=batch_size):
                done += 1
                yield extraction
        except Exception as exc:  # the extractor's own failure on this text: reported as the file's outcome
            done += 1
            yield exc


def _extract_all(jobs: list[tuple[str, ex.Hints, str | None]], *, batch_size: int = _BATCH) -> Iterator[ex.Extraction]:
    if not jobs:
        return iter(())
    model = jobs[0][2]
    return extract_many(((text, hints) for text, hints, _model in jobs), nlp_model=model, batch_size=batch_size)


T = TypeVar("T")


def _read_ahead(items: Iterator[T], *, size: int) -> Iterator[T]:
    """``items`` in order, computed by a thread of their own up to ``size`` ahead of the caller.

    With one job, extraction goes on while the file before is stored: storing spends about a fifth of its time
    waiting on the database, and the model's matrix products run outside the interpreter's lock. The same work,
    done in the same order; the files are still extracted one after another.
    """
    ready: queue.Queue[tuple[bool, Any, BaseException | None]] = queue.Queue(maxsize=size)
    stop = threading.Event()

    def put(entry: tuple[bool, Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((False, item, None)):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put((True, None, exc))
            return
        put((True, None, None))

    thread = threading.Thread(target=produce, name="import-extraction", daemon=True)
    thread.start()
    try:
        while True:
            finished, item, error = ready.get()
            if finished:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        # The caller stopped early (an interrupt): the thread stops after the file it is reading.
        stop.set()
        thread.join()


def import_files(
    items: list[tuple[str, Path | bytes]],
    *,
    options: ImportOptions,
    manifest: Mapping[str, Mapping[str, str]] | None = None,
    run: ImportRun | None = None,
    progress=None,
) -> list[FileOutcome]:
    """Import files given as (name, path or bytes): each atomically; failures reported, not raised."""
    manifest = manifest or {}
    outcomes: dict[int, FileOutcome] = {}
    prepared_files: list[tuple[int, _Prepared, str]] = []
    for i, (name, source) in enumerate(items):
        base = os.path.basename(name)
        try:
            raw = source if isinstance(source, bytes) else read_file(source, max_bytes=options.max_bytes)
            if len(raw) > options.max_bytes:
                raise InputError(
                    f"file too large ({len(raw)} bytes; the limit IMPORT_MAX_BYTES is {options.max_bytes})"
                )
            decoded = decode(raw)
        except InputError as exc:
            outcomes[i] = FileOutcome(name, "failed", str(exc))
            if progress:
                progress(outcomes[i])
            continue
        prepared = _Prepared(base, raw, decoded.text, decoded.encoding, manifest.get(base, {}))
        prepared_files.append((i, prepared, article_services.ArticleInput(raw, "", "", base).sha256))

    # One query for the whole batch: which of these bytes are in the archive already.
    known = {a.sha256: a for a in Article.objects.filter(sha256__in={sha for _, _, sha in prepared_files})}
    todo: list[tuple[int, _Prepared, Article | None]] = []
    for i, prepared, sha in prepared_files:
        existing = known.get(sha)
        if existing is not None and not options.reextract:
            outcomes[i] = FileOutcome(items[i][0], "unchanged", "same bytes already imported", existing.pk)
            if progress:
                progress(outcomes[i])
            continue
        todo.append((i, prepared, existing))

    # Hints are read once per batch: a pattern an editor adds applies from the next import on.
    hints = article_services.extraction_hints()
    jobs = [
        (
            p.text,
            dataclasses.replace(hints, manifest=dict(p.manifest), published_on=_editor_date(existing)),
            options.nlp_model,
        )
        for _, p, existing in todo
    ]
    with contextlib.ExitStack() as stack:
        # The files are merged into the timeline one after another: its word counts are kept between them.
        stack.enter_context(timeline_services.merging_batch())
        extractions: Iterable[ex.Extraction | Exception]
        if options.jobs > 1 and len(jobs) > 1:
            # The first file is read here, which loads the language model and the extractor's tables once:
            # the workers forked next share them instead of each loading its own before its first file.
            first = next(_extractions(jobs[:1]))
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=min(options.jobs, len(jobs) - 1),
                    mp_context=_pool_context(),
                    initializer=_yield_to_store,
                )
            )
            # Streamed in order, a few files at a time: storing them overlaps extracting the next ones,
            # and files are stored in the same order as with one job (merging depends on the order).
            rest = jobs[1:]
            batches = [rest[k : k + _WORKER_BATCH] for k in range(0, len(rest), _WORKER_BATCH)]
            extractions = itertools.chain([first], _unbatched(pool.map(_extract_batch, batches)))
        elif len(jobs) > 1:
            extractions = _read_ahead(_extractions(jobs), size=_BATCH)
        else:
            extractions = _extractions(jobs)

        for (i, prepared, existing), extraction in zip(todo, extractions, strict=False):
            name = items[i][0]
            started = time.perf_counter()
            try:
                if isinstance(extraction, Exception):
                    raise extraction
                outcomes[i] = _store(prepared, existing, extraction, options=options, run=run, name=name)
                outcomes[i].stored_in = time.perf_counter() - started
            except Exception as exc:  # one bad file must not stop the others
                outcomes[i] = FileOutcome(name, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
            if progress:
                progress(outcomes[i])
    return [outcomes[i] for i in sorted(outcomes)]


def _yield_to_store() -> None:
    """Run a worker at the lowest priority: it extracts in the processor time that storing leaves idle.

    Files are stored in one process, one after another, and storing takes longer than extracting: it bounds the
    import. At equal priority the workers took processor time from it and from PostgreSQL (200 files on two cores:
    18.6 s, against 14.6 s yielding; 22.3 s with one job).
    """
    if hasattr(os, "nice"):  # POSIX
        os.nice(19)


def _pool_context() -> multiprocessing.context.BaseContext | None:
    # Forked workers start at once, with the model loaded; a spawned one would import everything again.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def _editor_date(article: Article | None) -> dt.date | None:
    if article is not None and "published_on" in article.locked_fields:
        return article.published_on
    return None


class _DryRun(Exception):
    pass


def _store(
    prepared: _Prepared, existing: Article | None, extraction: ex.Extraction, *, options, run, name
) -> FileOutcome:
    outcome = FileOutcome(name, "created", encoding=prepared.encoding)
    try:
        with transaction.atomic():
            if existing is not None:
                article = article_services.article_apply_extraction(
                    article=existing, extraction=extraction, match_threshold=options.match_threshold
                )
                outcome.outcome = "updated"
            else:
                article = article_services.article_create(
                    source_input=article_services.ArticleInput(
                        prepared.raw, prepared.text, prepared.encoding, prepared.name
                    ),
                    extraction=extraction,
                    publish=options.publish,
                    match_threshold=options.match_threshold,
                    import_run=None if options.dry_run else run,
                )
            timeline_services.article_attach(article=article, fresh=existing is None)
            outcome.article_id = article.pk
            outcome.detail = {
                "title": article.title,
                "source": article.source.name if article.source else None,
                "published_on": article.published_on.isoformat() if article.published_on else None,
                "quotes": article.quotes.count(),
                "dated_mentions": article.dated_mentions.count(),
                "review_reasons": list(article.review_reasons),
            }
            if options.dry_run:
                raise _DryRun
    except _DryRun:
        outcome.outcome = "would update" if existing is not None else "would create"
        outcome.article_id = None
    return outcome


def article_reextract(*, article: Article, nlp_model: str | None, match_threshold: float) -> Article:
    """Run the current extractor over an article again, keeping every editor's correction."""
    hints = article_services.extraction_hints(published_on=_editor_date(article))
    extraction = extract(article.raw_text, hints=hints, nlp_model=nlp_model)
    with transaction.atomic():
        article = article_services.article_apply_extraction(
            article=article, extraction=extraction, match_threshold=match_threshold
        )
        timeline_services.article_attach(article=article)
    return article


def article_set_published_on(
    *,
    article: Article,
    published_on: dt.date | None,
    nlp_model: str | None,
    match_threshold: float,
    expected_version: int | None = None,
) -> Article:
    """An editor sets the publication date: relative dates resolve again at once, events follow."""
    with transaction.atomic():
        article = article_services.article_update(
            article=article, data={"published_on": published_on}, expected_version=expected_version
        )
        return article_reextract(article=article, nlp_model=nlp_model, match_threshold=match_threshold)


__all__ = [
    "EXTRACTOR_VERSION",
    "FileOutcome",
    "ImportOptions",
    "article_reextract",
    "article_set_published_on",
    "import_files",
    "read_file",
]
