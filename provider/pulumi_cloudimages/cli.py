"""The `cloudimages` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .emulator.app import Credential
from .emulator.catalog import CatalogError

app = typer.Typer(
    name="cloudimages",
    help="Find Huawei Cloud machine images, and run a local emulator of the image service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2


@app.callback()
def _commands() -> None:
    """Find Huawei Cloud machine images, and run a local emulator of the image service."""


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def serve(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog JSON file (default: the bundled sample catalog).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 0,
    credential: Annotated[
        list[str] | None,
        typer.Option(help="Accept this access key pair, AK:SK or AK:SK:PROJECT_ID (repeatable)."),
    ] = None,
    token: Annotated[
        list[str] | None, typer.Option(help="Accept this IAM token for a project, TOKEN:PROJECT_ID (repeatable).")
    ] = None,
) -> None:
    """Serve the emulated image service until stopped (Ctrl-C or SIGTERM).

    The first line printed is `listening on http://HOST:PORT`. With no --credential and no --token,
    unsigned requests are accepted and the project comes from X-Project-Id.

    Example: cloudimages serve --port 8080 --credential AK1:SK1:0a1b2c3d4e5f60718293a4b5c6d7e8f9
    """
    from .emulator.server import serve as run

    tokens: dict[str, str] = {}
    for item in token or []:
        value, sep, project = item.partition(":")
        if not (value and sep and project):
            raise _fail(f"--token {item!r}: expected TOKEN:PROJECT_ID", EXIT_BAD_INPUT)
        tokens[value] = project
    for item in credential or []:
        try:
            Credential.parse(item)
        except ValueError as exc:
            raise _fail(f"--credential: {exc}", EXIT_BAD_INPUT) from None
    try:
        run(catalog, host=host, port=port, credentials=credential or [], tokens=tokens)
    except CatalogError as exc:
        raise _fail(f"bad catalog: {exc}", EXIT_BAD_INPUT) from None
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror}", EXIT_BAD_INPUT) from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
