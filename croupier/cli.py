"""``croupier``: run the service, run the demo, check and batch-test the FAQ."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from croupier.config import DEFAULT_BOT_TEXTS, DEFAULT_FAQ_DIR, ConfigError, load_settings
from croupier.decisions import DecisionParts, FaqLoadFailed, build_decider
from faq.common_words import DEFAULT_COMMON_WORDS
from faq.learned_words import DEFAULT_LEARNED_WORDS
from faq.loader import load_faq_dir
from faq.model import DEFAULT_LANGUAGES
from faq.texts import load_bot_texts
from handlers.decide import MatchSettings
from handlers.escalation_model import DEFAULT_MODEL, DEFAULT_TRAINING_SETS

if TYPE_CHECKING:
    from croupier.store.sqlite import SqliteStore


def _languages(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def cmd_faq_check(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    result = load_faq_dir(directory, args.languages)
    problems = list(result.problems)
    if args.texts and Path(args.texts).exists():
        _, text_problems = load_bot_texts(Path(args.texts), args.languages)
        problems += text_problems
    for problem in problems:
        print(problem)
    entries = len(result.faq.entries) if result.faq else 0
    summary = f"{entries} entries, {len(problems)} problem(s)"
    print(summary if problems else f"OK: {summary}", file=sys.stderr)
    return 1 if problems else 0


def _read_questions(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg}"
            continue
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
            yield number, None, "expected an object with 'id' and 'text'"
            continue
        yield number, item, ""


def cmd_faq_batch(args: argparse.Namespace) -> int:
    overrides: dict[str, float] = {}
    if args.threshold:
        overrides["answer_threshold"] = args.threshold
    if args.escalation_threshold is not None:
        overrides["escalation_threshold"] = args.escalation_threshold
    settings = MatchSettings(**overrides) if overrides else None
    try:
        decider, problems = build_decider(
            Path(args.faq), DecisionParts.load(), settings, args.languages
        )
    except FaqLoadFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    source = sys.stdin if args.questions == "-" else open(args.questions, encoding="utf-8")
    show_progress = sys.stderr.isatty()
    bad_lines = 0
    with source:
        for count, (number, item, error) in enumerate(_read_questions(source), start=1):
            if item is None:
                bad_lines += 1
                print(f"{args.questions}:{number}: {error}", file=sys.stderr)
                continue
            decision = decider.decide(item["text"])
            print(json.dumps({"id": item["id"], **decision.record()}, ensure_ascii=False))
            if show_progress and count % 100 == 0:
                print(f"\r{count} messages decided", end="", file=sys.stderr, flush=True)
    if show_progress:
        print("\r", end="", file=sys.stderr)
    return 1 if bad_lines else 0


def cmd_triage_train(args: argparse.Namespace) -> int:
    """Retrain the escalation model on labelled question sets (see handlers.escalation_model)."""
    from handlers.escalation_model import (
        labelled_messages,
        question_files,
        train,
        with_rule_reasons,
    )
    from handlers.triage import Triage, load_triage_rules

    files = question_files(map(Path, args.sets))
    if not files:
        print("croupier: no questions.jsonl under the given sets", file=sys.stderr)
        return 2
    try:
        messages = labelled_messages(files)
    except ValueError as exc:
        print(f"croupier: {exc}", file=sys.stderr)
        return 2
    model = train(with_rule_reasons(messages, Triage(load_triage_rules())))
    model.save(Path(args.out))
    print(
        f"trained on {len(messages)} messages from {len(files)} files "
        f"({model.trained_on['needs_person']} needing a person) -> {args.out}"
    )
    return 0


def cmd_faq_learn(args: argparse.Namespace) -> int:
    """Relearn which player words and word pairs go with which FAQ concepts (see
    faq.learned_words)."""
    from faq.learned_words import examples_from_sets, learn, set_directories
    from faq.lexicon import load_lexicon
    from faq.matcher import Featuriser

    directories = set_directories(map(Path, args.sets))
    if not directories:
        print("croupier: no questions.jsonl under the given sets", file=sys.stderr)
        return 2
    default_faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert default_faq is not None, "the shipped FAQ loads (tests keep it so)"
    try:
        examples = examples_from_sets(directories, Featuriser(load_lexicon()), default_faq)
    except ValueError as exc:
        print(f"croupier: {exc}", file=sys.stderr)
        return 2
    learned = learn(examples)
    learned.save(Path(args.out))
    print(
        f"learned {len(learned.concepts)} words and word pairs from {len(examples)} "
        f"labelled messages in {len(directories)} sets -> {args.out}"
    )
    return 0


def cmd_faq_common_words(args: argparse.Namespace) -> int:
    """Rewrite the everyday words never read as typos (see faq.common_words); run after
    editing the lexicon, then relearn (``croupier faq learn``): the words' concepts change."""
    from faq.common_words import derive
    from faq.lexicon import load_lexicon, save_common_words

    words = derive(load_lexicon())
    save_common_words(words, Path(args.out))
    print(f"{len(words)} everyday words one edit from a lexicon term -> {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from croupier.service import run_service

    return run_service(_settings(args), demo=True)


def cmd_run(args: argparse.Namespace) -> int:
    from croupier.service import run_service

    return run_service(_settings(args), demo=False)


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    try:
        return load_settings(
            host=args.host,
            port=args.port,
            data_dir=args.data_dir,
            store=getattr(args, "store", None),
            stream=getattr(args, "stream", None),
            role=getattr(args, "role", None),
        )
    except ConfigError as exc:
        print(f"croupier: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the PostgreSQL store's schema (SQLite needs nothing: it creates its own)."""
    from croupier.store.factory import is_postgres
    from croupier.store.migrate import upgrade

    url = args.store or _settings(args).store_url
    if not is_postgres(url):
        print(
            "croupier: db upgrade needs --store postgresql://… (or CROUPIER_STORE)",
            file=sys.stderr,
        )
        return 2
    try:
        upgrade(url, args.revision)
    except Exception as exc:  # the driver's message names the problem; never the URL
        print(f"croupier: db upgrade failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"database schema at {args.revision}", file=sys.stderr)
    return 0


def _read_new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


@contextlib.asynccontextmanager
async def _open_store(args: argparse.Namespace) -> AsyncIterator[SqliteStore]:
    """The store the configuration names (``--store`` / CROUPIER_STORE, else SQLite)."""
    from croupier.store.factory import make_store

    settings = _settings(args)
    store = make_store(settings.store_url, settings.database_path)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def cmd_users_add(args: argparse.Namespace) -> int:
    import asyncio

    from croupier.console.users import InvalidUser, Role, add_user
    from croupier.store.base import UserExists

    async def add(password: str) -> None:
        async with _open_store(args) as store:
            await add_user(store, args.name, Role(args.role), password)
            await store.record_audit("cli", "user_add", f"user {args.name}", args.role)

    try:
        asyncio.run(add(_read_new_password(args)))
    except (InvalidUser, ValueError) as exc:
        print(f"croupier: {exc}", file=sys.stderr)
        return 2
    except UserExists:
        print(f"croupier: user {args.name!r} exists already", file=sys.stderr)
        return 1
    print(f"added {args.role} {args.name}", file=sys.stderr)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    import asyncio

    async def names() -> list[tuple[str, str, str]]:
        async with _open_store(args) as store:
            return [(u.name, u.role, u.created_at) for u in await store.list_users()]

    for name, role, created_at in asyncio.run(names()):
        print(f"{name}\t{role}\t{created_at}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """One player's data as JSON on stdout (a GDPR access request)."""
    import asyncio

    channel, _, sender_id = args.player.partition(":")
    if not channel or not sender_id:
        print(
            "croupier: --player must be CHANNEL:SENDER_ID, e.g. telegram:123456", file=sys.stderr
        )
        return 2

    async def export() -> dict[str, Any]:
        async with _open_store(args) as store:
            data = await store.player_data(channel, sender_id)
            await store.record_audit("cli", "player_export", f"{channel}:{sender_id}")
            return data

    data = asyncio.run(export())
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()
    found = len(data["events"])
    print(f"{found} message(s) from {args.player}", file=sys.stderr)
    return 0 if found else 1


def cmd_purge(args: argparse.Namespace) -> int:
    """Apply the retention period now (the service also does it on its own when
    ``CROUPIER_RETENTION_DAYS`` is set)."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    async def purge() -> dict[str, int]:
        async with _open_store(args) as store:
            cutoff = datetime.now(UTC) - timedelta(days=args.older_than_days)
            removed = await store.purge_older_than(cutoff)
            await store.record_audit("cli", "purge", f"older than {args.older_than_days} days")
            return removed

    removed = asyncio.run(purge())
    print(" ".join(f"{table}={count}" for table, count in removed.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="croupier", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("demo", cmd_demo, "local demo: web chat + moderator console, no platform tokens"),
        ("run", cmd_run, "run with configuration from the environment / secrets file"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--host")
        sub.add_argument("--port", type=int)
        sub.add_argument("--data-dir", type=Path)
        sub.add_argument("--store", help="postgresql://… (default: CROUPIER_STORE, else SQLite)")
        sub.add_argument("--stream", help="redis://… (default: CROUPIER_STREAM, else in-process)")
        sub.add_argument(
            "--role",
            choices=("all", "frontend", "worker"),
            help="frontend: verify, store, enqueue; worker: decide and send (default: all)",
        )
        sub.set_defaults(handler=handler)
    db = commands.add_parser("db", help="the PostgreSQL store's schema").add_subparsers(
        dest="db_command", required=True
    )
    db_upgrade = db.add_parser("upgrade", help="apply the schema migrations (Alembic)")
    db_upgrade.add_argument("--store", help="postgresql://… (default: CROUPIER_STORE)")
    db_upgrade.add_argument("--revision", default="head")
    db_upgrade.set_defaults(handler=cmd_db_upgrade, host=None, port=None, data_dir=None)
    users = commands.add_parser("users", help="console users").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a console user (password from a prompt)")
    add.add_argument("name")
    add.add_argument("--role", choices=("moderator", "editor", "admin"), default="moderator")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    listing = users.add_parser("list", help="list console users and their roles")
    export = commands.add_parser("export", help="one player's stored data as JSON (GDPR)")
    export.add_argument("--player", required=True, help="CHANNEL:SENDER_ID, e.g. telegram:42")
    purge = commands.add_parser("purge", help="delete conversations' data older than N days")
    purge.add_argument("--older-than-days", type=float, required=True)
    for sub, handler in (
        (add, cmd_users_add),
        (listing, cmd_users_list),
        (export, cmd_export),
        (purge, cmd_purge),
    ):
        sub.add_argument("--data-dir", type=Path)
        sub.add_argument("--store", help="postgresql://… (default: CROUPIER_STORE, else SQLite)")
        sub.set_defaults(handler=handler, host=None, port=None)
    faq = commands.add_parser("faq", help="check or batch-test FAQ content").add_subparsers(
        dest="faq_command", required=True
    )
    check = faq.add_parser("check", help="report every problem as path:line: message")
    check.add_argument("dir", nargs="?", default=str(DEFAULT_FAQ_DIR))
    check.add_argument("--texts", default=str(DEFAULT_BOT_TEXTS), help="bot phrases file")
    check.add_argument("--languages", type=_languages, default=DEFAULT_LANGUAGES)
    check.set_defaults(handler=cmd_faq_check)
    batch = faq.add_parser("batch", help="decide every JSONL line {id, text}; print decisions")
    batch.add_argument("questions", help="JSONL file, or - for stdin")
    batch.add_argument("--faq", default=str(DEFAULT_FAQ_DIR))
    batch.add_argument("--threshold", type=float, help="override the answer threshold")
    batch.add_argument("--languages", type=_languages, default=DEFAULT_LANGUAGES)
    batch.add_argument(
        "--escalation-threshold",
        type=float,
        help="override the escalation model's threshold (1 switches it off)",
    )
    batch.set_defaults(handler=cmd_faq_batch)
    learn = faq.add_parser("learn", help="relearn the player words and pairs read as FAQ concepts")
    learn.add_argument(
        "sets",
        nargs="*",
        default=[str(DEFAULT_TRAINING_SETS)],
        help="set folders (questions.jsonl, optional faq/), or folders of them "
        "(default: bench/sets)",
    )
    learn.add_argument("--out", default=str(DEFAULT_LEARNED_WORDS), help="file to write")
    learn.set_defaults(handler=cmd_faq_learn)
    common = faq.add_parser(
        "common-words", help="rewrite the everyday words never read as typos of lexicon terms"
    )
    common.add_argument("--out", default=str(DEFAULT_COMMON_WORDS), help="file to write")
    common.set_defaults(handler=cmd_faq_common_words)
    triage = commands.add_parser("triage", help="the escalation model").add_subparsers(
        dest="triage_command", required=True
    )
    train = triage.add_parser("train", help="retrain the escalation model on labelled sets")
    train.add_argument(
        "sets",
        nargs="*",
        default=[str(DEFAULT_TRAINING_SETS)],
        help="questions.jsonl files, or folders of sets (default: bench/sets)",
    )
    train.add_argument("--out", default=str(DEFAULT_MODEL), help="model file to write")
    train.set_defaults(handler=cmd_triage_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
