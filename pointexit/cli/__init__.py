"""Command line: `pointexit COMMAND`. Each command lives in its own module,
which registers it on the app when imported."""

from __future__ import annotations

import importlib
import os
import sys

from pointexit.cli.app import HELP_OPTION_NAMES, app

# The commands, each in the module of its name, in the order help lists them.
# Only the module of the command being run is imported: the others (and Typer
# building every command's options) would cost ~10 ms on each run of a quick
# query such as `recommend`. Help, and a word that is no command, load them all.
COMMANDS = ("crawl", "demo", "exits", "recommend", "wallet", "status", "campaigns", "offers", "page",
            "schedule")


def load_commands(argv: list[str]) -> None:
    """Register the command `argv` names, or every command when it names none.
    The command is the first word: the app's only options are help's, so a
    word after one (`pointexit --help recommend`) is no command run; the app's
    help shows, and lists every command."""
    word = argv[0] if argv else None
    for name in [word] if word in COMMANDS else COMMANDS:
        importlib.import_module(f"pointexit.cli.{name}")
    # Help lists commands as registered, i.e. as first imported: in a process
    # that imported one earlier (the page building a plan, a test) it would
    # come first. COMMANDS' order is the help's.
    app.registered_commands.sort(key=lambda c: COMMANDS.index(c.name) if c.name in COMMANDS else len(COMMANDS))


def help_requested(argv: list[str]) -> bool:
    """Whether Click shows help for argv instead of running a command, so a
    broken config.toml must not stop it. Read as Click reads it, and nothing
    printed or run while deciding: only a help option Click parses as one
    counts (in `recommend --wallet --help` it is the wallet's path, and after
    `recommend --` a positional word), and a group given nothing more
    (`pointexit`, `pointexit wallet`) shows its help (no_args_is_help)."""
    if not argv:
        return True  # the app's no_args_is_help
    if not _may_show_help(argv):
        return False  # every ordinary run: no need to build the Click command
    from typer.main import get_command

    command, args, parent = get_command(app), list(argv), None
    try:
        while True:
            if not args and getattr(command, "no_args_is_help", False):
                return True
            # As Command.make_context builds it: help_option_names come from here or the parent.
            parent = command.context_class(command, parent=parent, **command.context_settings)
            opts, rest = _parse(command, parent, args)
            if _asks_for_help(command, parent, opts):
                return True  # the eager help option, before any other parameter
            if not rest or not hasattr(command, "get_command"):
                return False
            # Group.resolve_command, without its side effects.
            name, sub = rest[0], command.get_command(parent, rest[0])
            if sub is None and parent.token_normalize_func is not None:
                sub = command.get_command(parent, parent.token_normalize_func(name))
            if sub is None:
                # No command, but a word that reads as an option (left after a
                # `--`): Click parses the words as the group's options once more,
                # so `pointexit -- --help` shows the app's help.
                if name[:1] and not name[:1].isalnum():
                    return _asks_for_help(command, parent, _parse(command, parent, rest)[0])
                return False
            command, args = sub, rest[1:]
    except Exception:  # a usage error: the run reports it, after reading the config as usual
        return False


def _parse(command, ctx, args: list[str]) -> tuple[dict, list[str]]:
    # The words only, as Click's parser splits them: no parameter's callback
    # runs (the help option's would print the help and exit).
    opts, rest, _ = command.make_parser(ctx).parse_args(args=list(args))
    return opts, rest


def _asks_for_help(command, ctx, opts: dict) -> bool:
    option = command.get_help_option(ctx)
    return option is not None and bool(opts.get(option.name))


def _may_show_help(argv: list[str]) -> bool:
    """False when Click surely runs argv's command: no word can be a help
    option (`--help`, `-h`, or `-h` among short flags: `crawl -vh`) and the
    last word names no group (given nothing more, a group shows its help)."""
    shorts = [name[1] for name in HELP_OPTION_NAMES if len(name) == 2]
    for word in argv:
        if word in HELP_OPTION_NAMES:
            return True
        if word[:1] == "-" and word[1:2] not in ("-", "") and any(s in word[1:] for s in shorts):
            return True
    groups = _group_names(app)
    return groups is None or argv[-1] in groups


def _group_names(typer_app) -> set[str] | None:
    """The names of typer_app's groups at every depth; None when one's name
    is not written where this looks (Typer derives it)."""
    names: set[str] = set()
    for group in typer_app.registered_groups:
        name = next((n for n in (group.name, group.typer_instance.info.name) if isinstance(n, str)), None)
        inner = _group_names(group.typer_instance)
        if name is None or inner is None:
            return None
        names |= {name} | inner
    return names


def main(argv: list[str] | None = None) -> int:
    import typer

    from pointexit.errors import UserError

    argv = sys.argv[1:] if argv is None else argv
    load_commands(argv)

    try:
        from pointexit.clock import now_jst

        now_jst()  # a bad POINTEXIT_NOW stops every command here, before a crawl's processes start
        config = None
        if not help_requested(argv):
            from pointexit.config import apply_point_values, load_config

            # config.toml is read here, once per command: the command finds it
            # in its context (pointexit.cli.app.loaded_config) and passes it on.
            config = load_config()
            apply_point_values(config)  # [point_values], before anything prices a point
        rc = app(args=argv, prog_name="pointexit", standalone_mode=False, obj=config)
    except UserError as exc:
        _error(str(exc))
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        _error("interrupted")
        return 130
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            # A group given nothing more (`pointexit`, `pointexit wallet`):
            # its help, whole, as Click prints it (stderr, exit 2), not
            # squashed into one error line.
            exc.show()
            return exc.exit_code
        # Click's usage errors (vendored by newer Typer, so matched by shape).
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            _error(exc.format_message())
            return exc.exit_code  # never a traceback for users; POINTEXIT_DEBUG=1 shows it
        if _is_database_error(exc) and not os.environ.get("POINTEXIT_DEBUG"):
            # Damage deeper in a file than opening it reads shows up here.
            from storage.engine import first_line

            _error(f"database error: {first_line(exc)} (the database may be damaged or unreachable)")
            return 2
        if os.environ.get("POINTEXIT_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (POINTEXIT_DEBUG=1 for details)")
        return 1
    return rc if isinstance(rc, int) else 0


def _is_database_error(exc: Exception) -> bool:
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    return sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.DBAPIError)


def _error(message: str) -> None:
    first = " ".join(str(message).split())
    print(f"pointexit: error: {first}", file=sys.stderr)


def run() -> None:
    sys.exit(main())
