"""Every shell command and Python block of README.md runs as written and prints what it shows.

The blocks run in their order, in one fresh copy of the repository's tracked files made in a temporary
directory (so there is no ``../shared`` and nothing built), with the ``upsell`` command on ``PATH``:
``UPSELL_BIN`` if set (the test command sets it to the ``upsell`` its ``cargo test --profile ci``
built), else the newest of ``target/{ci,release,debug}/upsell``.

What the README's fences mean here:

- ```` ```sh ````: run with bash (``set -euo pipefail``); ```` ```python ````: run with this interpreter.
- A ```` ```text ```` block right after one of those is output it must print: each of its lines, in
  order, must be a line of the output (stdout and stderr together); lines it leaves out, such as
  timings, are not checked, and a line ``...`` marks where some were left out.
- ```` ```sh install ```` installs and builds as a stranger would, from scratch: it runs only with
  ``UPSELL_README_INSTALL=1`` (the install stage of the test command), in order, in the same copy, as
  a user whose home is an empty temporary folder (``~/.local``, ``~/.cargo/bin`` for what it installs)
  with a fresh virtual environment active; cargo's registry, rustup's toolchains and pip's download
  cache stay the machine's. A line running ``scripts/test-all.sh`` is left out: it is the command
  running this test. ```` ```python spark ```` needs Java and starts a local Spark (half a minute): it
  runs only with ``UPSELL_README_SPARK=1`` (the Spark stage of the test command), where pyspark
  imports and ``java`` is found.
- ```` ```yaml file=PATH ```` (any language): the block is the text of the file ``PATH``, or part of it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(.*)$")


@dataclass
class Block:
    line: int
    info: list[str]
    text: str
    output: Optional[str] = None
    end: int = 0

    @property
    def language(self) -> str:
        return self.info[0] if self.info else ""

    def option(self, name: str) -> Optional[str]:
        return next((word.split("=", 1)[1] for word in self.info[1:] if word.startswith(name + "=")), None)

    def __str__(self) -> str:
        return f"README.md:{self.line} ```{' '.join(self.info)}"


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, each with the ```text block that follows it, if any."""
    found: list[Block] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        match = FENCE.match(lines[k])
        if not match:
            k += 1
            continue
        start = k
        k += 1
        body = []
        while k < len(lines) and lines[k] != "```":
            body.append(lines[k])
            k += 1
        block = Block(start + 1, match.group(1).split(), "\n".join(body) + "\n")
        previous = found[-1] if found else None
        between = lines[previous.end:start] if previous else []
        if (
            previous is not None
            and block.info == ["text"]
            and previous.language in ("sh", "python")
            and not any(line.strip() for line in between)
        ):
            previous.output = block.text
        found.append(block)
        block.end = k + 1
        k += 1
    return found


BLOCKS = blocks(README.read_text(encoding="utf-8"))
RUN = [b for b in BLOCKS if b.info in (["sh"], ["python"], ["python", "spark"])]
INSTALL = [b for b in BLOCKS if b.info == ["sh", "install"]]
FILES = [b for b in BLOCKS if b.option("file") is not None]


def upsell_binary() -> Optional[Path]:
    if "UPSELL_BIN" in os.environ:
        return Path(os.environ["UPSELL_BIN"])
    built = [ROOT / "target" / profile / "upsell" for profile in ("ci", "release", "debug")]
    built = [path for path in built if path.is_file()]
    return max(built, key=lambda path: path.stat().st_mtime) if built else None


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """The repository's tracked (and new, not ignored) files, copied: a fresh clone, unbuilt."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell the repository's files")
    copy = tmp_path_factory.mktemp("clone") / "upsell"
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


@pytest.fixture(scope="module")
def environment(checkout: Path) -> dict:
    binary = upsell_binary()
    if binary is None or not binary.is_file():
        pytest.skip("the upsell command is not built (cargo build --profile ci -p upsell-cli) and UPSELL_BIN is unset")
    bin_dir = checkout.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    link = bin_dir / "upsell"
    if not link.exists():
        link.symlink_to(binary)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["UPSELL_MAX_THREADS"] = "2"
    env.pop("UPSELL_DATA_DIR", None)
    return env


def assert_shows(block: Block, output: str) -> None:
    """Each line of the block's shown output is, in order, a line of `output`."""
    actual = [line.rstrip() for line in output.splitlines()]
    at = 0
    for expected in (line.rstrip() for line in (block.output or "").splitlines()):
        if not expected or expected == "...":
            continue
        try:
            at = actual.index(expected, at) + 1
        except ValueError:
            pytest.fail(f"{block}: the output lacks the line shown\n  {expected!r}\nafter line {at}; it was:\n{output}")


@pytest.mark.parametrize("block", RUN, ids=str)
def test_readme_block_runs(block: Block, checkout: Path, environment: dict):
    if block.info == ["python", "spark"]:
        if os.environ.get("UPSELL_README_SPARK") != "1":
            pytest.skip("starts Spark: set UPSELL_README_SPARK=1")
        if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
            pytest.skip("needs pyspark and Java")
        command = [sys.executable, "-c", block.text]
    elif block.language == "python":
        command = [sys.executable, "-c", block.text]
    else:
        command = ["bash", "-euo", "pipefail", "-c", block.text]
    done = subprocess.run(
        command, cwd=checkout, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, f"{block} failed with status {done.returncode}:\n{done.stdout}"
    assert_shows(block, done.stdout)


@pytest.fixture(scope="module")
def user_environment(checkout: Path, tmp_path_factory) -> dict:
    """A stranger's shell in the copy: an empty home, a fresh venv active, nothing of ours on PATH.

    Only caches and toolchains are the machine's (cargo's registry and installed tools such as
    cargo-c, rustup's toolchains, pyenv, pip's downloads): they hold no build of upsell. Every
    build lands in the copy's own ``target/``. The release profile is built without its fat LTO
    (``CARGO_PROFILE_RELEASE_*``), which halves the build and changes nothing the commands do.
    """
    if os.environ.get("UPSELL_README_INSTALL") != "1":
        pytest.skip("builds everything in release (minutes): set UPSELL_README_INSTALL=1")
    real_home = Path.home()
    scratch = tmp_path_factory.mktemp("user")
    home, venv, cargo_root = scratch / "home", scratch / "venv", scratch / "cargo"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CARGO_", "UPSELL_", "PKG_CONFIG", "MATURIN", "PYTHON"))
        and name not in ("VIRTUAL_ENV", "LD_LIBRARY_PATH")
    }
    keep = {
        "CARGO_HOME": real_home / ".cargo",
        "RUSTUP_HOME": real_home / ".rustup",
        "PYENV_ROOT": real_home / ".pyenv",
        "PIP_CACHE_DIR": real_home / ".cache" / "pip",
    }
    for name, default in keep.items():
        env[name] = os.environ.get(name, str(default))
    ours = {Path(sys.executable).parent, ROOT / ".venv" / "bin"}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) not in ours]
    env.update(
        HOME=str(home),
        VIRTUAL_ENV=str(venv),
        PATH=os.pathsep.join([str(cargo_root / "bin"), str(venv / "bin"), *path]),
        CARGO_INSTALL_ROOT=str(cargo_root),
        CARGO_TARGET_DIR=str(checkout / "target"),
        CARGO_PROFILE_RELEASE_LTO="false",
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS="16",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UPSELL_MAX_THREADS="2",
    )
    return env


@pytest.mark.parametrize("block", INSTALL, ids=str)
def test_readme_install_block_runs(block: Block, checkout: Path, user_environment: dict):
    lines = [line for line in block.text.splitlines() if not line.startswith("scripts/test-all.sh")]
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(lines)], cwd=checkout, env=user_environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800, check=False,
    )
    assert done.returncode == 0, f"{block} failed with status {done.returncode}:\n{done.stdout}"
    assert_shows(block, done.stdout)


@pytest.mark.parametrize("block", FILES, ids=str)
def test_readme_block_is_the_file(block: Block):
    text = (ROOT / block.option("file")).read_text(encoding="utf-8")
    assert block.text in text, f"{block} is not the text of {block.option('file')}"


def test_readme_commands_write_only_to_out():
    """Commands write into the scratch folder out/ (ignored by git), never the repository's root."""
    for block in RUN + INSTALL:
        if block.language != "sh":
            continue
        for target in re.findall(r"(?:--output|--model|-o)\s+(\S+)", block.text):
            assert target.startswith("out/"), f"{block} writes {target} outside out/"


def test_readme_has_blocks_to_run():
    """The parser finds the README's blocks (a changed fence syntax would otherwise skip them all)."""
    assert len(RUN) >= 10
    assert sum(b.output is not None for b in RUN) >= 8
    assert len(FILES) >= 1
