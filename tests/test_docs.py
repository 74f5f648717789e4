"""Every command in README.md and docs/tutorial.md runs as written, so the docs never rot.

The commands run in a temporary copy of the repository (its ``.venv`` a link to the running
interpreter's environment, ``lkjip`` and ``python`` first on PATH, ``/tmp/...`` paths moved into the
test's temporary folder).

README.md: every indented or fenced (bash/sh/console) command line runs, except
- the set-up commands (``python3 -m venv ...``): their venv, ``pip install`` and ``pytest`` steps are
  the environment this test already runs in, their remaining steps (``lkjip ingest``) run;
- synopses, recognised by ``[OPTION]``-style brackets (``lkjip ingest [PATH ...] [--out DIR]``): each
  option they name must appear in the sub-command's ``--help``;
fenced ``python`` blocks run with python, fenced ``sql`` blocks with ``lkjip query``.

docs/tutorial.md: every ```bash block runs in order, each as one ``bash -e`` script; the files the
tutorial says it writes must exist afterwards.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TUTORIAL = ROOT / "docs" / "tutorial.md"
SHELL_LANGS = {"bash", "sh", "shell", "console", "shell-session"}
SETUP_SKIP = re.compile(r"-m venv\b|\bpip3? install\b|-m pytest\b")
SYNOPSIS = re.compile(r"\[(?:-|[A-Z])[^\]]*\]")
TIMEOUT = 300


@dataclass
class Snippet:
    """One runnable piece of a document."""

    kind: str  # 'shell', 'python', 'sql'
    text: str
    line: int  # 1-based line in the document

    def __str__(self) -> str:
        return f"line {self.line}: {self.text.strip()[:120]}"


def snippets(md: str) -> list[Snippet]:
    """Fenced blocks (with their language) and indented command lines of a Markdown text, in order."""
    out: list[Snippet] = []
    lines = md.splitlines()
    i = 0
    prev_blank = True
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)(```+|~~~+)\s*([\w-]*)", line)
        if fence:
            marker, lang = fence.group(2), fence.group(3).lower()
            start = i
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                body.append(lines[i])
                i += 1
            kind = "shell" if lang in SHELL_LANGS else lang
            out.append(Snippet(kind, "\n".join(body) + "\n", start + 2))
            i += 1
            prev_blank = False
            continue
        if line.startswith("    ") and line.strip() and prev_blank:
            block_start = i
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append(lines[i][4:])
                i += 1
            for k, cmd in enumerate(_join_continuations(block)):
                if cmd.strip():
                    out.append(Snippet("shell", cmd, block_start + 1 + k))
            prev_blank = True
            continue
        prev_blank = not line.strip()
        i += 1
    return out


def _join_continuations(block: list[str]) -> list[str]:
    cmds, cur = [], ""
    for l in block:
        if l.rstrip().endswith("\\"):
            cur += l.rstrip()[:-1] + " "
        else:
            cmds.append(cur + l)
            cur = ""
    if cur:
        cmds.append(cur)
    return cmds


def shell_commands(text: str) -> list[str]:
    """The commands of a shell snippet: one per line (continuations joined), '$ ' prompts and comments dropped."""
    cmds = []
    for cmd in _join_continuations(text.splitlines()):
        cmd = re.sub(r"^\s*\$\s+", "", cmd).strip()
        if cmd and not cmd.startswith("#"):
            cmds.append(cmd)
    return cmds


# ------------------------------------------------------------------------------------- sandbox

def make_sandbox(tmp_path: Path) -> tuple[Path, dict, Path]:
    """A copy of the repository to run commands in, their environment, and a scratch folder for /tmp paths."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info", "build", ".ipynb_checkpoints"))
    for leftover in (repo / "data" / "parquet").glob("*"):
        if leftover.name != ".gitkeep":
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    (repo / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
               MPLBACKEND="Agg", VIRTUAL_ENV=sys.prefix, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    for var in ("LKJIP_DATA", "LKJIP_FIGURES", "PYTHONHOME"):
        env.pop(var, None)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return repo, env, scratch


def adapt(cmd: str, scratch: Path) -> str:
    """Paths under /tmp go to the test's own folder."""
    return re.sub(r"(?<![\w.])/tmp/", f"{scratch}/", cmd)


def run(cmd: str, repo: Path, env: dict, what: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", cmd], cwd=repo, env=env, input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{cmd}\n--- stdout\n{proc.stdout[-3000:]}\n" \
                                 f"--- stderr\n{proc.stderr[-3000:]}"
    assert "Traceback (most recent call last)" not in proc.stderr, f"{what}:\n{proc.stderr[-3000:]}"
    return proc


# --------------------------------------------------------------------------------------- tests

def test_snippet_extraction():
    md = "Text\n\n    lkjip ingest a \\\n      --out b\n\n```bash\n$ echo hi\n# note\necho two\n```\n\n" \
         "```python\nprint(1)\n```\n"
    got = snippets(md)
    assert [s.kind for s in got] == ["shell", "shell", "python"]
    assert shell_commands(got[0].text) == ["lkjip ingest a    --out b"]
    assert shell_commands(got[1].text) == ["echo hi", "echo two"]
    assert SYNOPSIS.search("lkjip ingest [PATH ...] [--out DIR]") and not SYNOPSIS.search("echo [x]")


def run_readme(repo: Path, env: dict, scratch: Path) -> None:
    """Run the README's commands in order (see the module docstring for what is skipped)."""
    ran, synopses, setup = [], [], 0
    for snip in snippets(README.read_text(encoding="utf-8")):
        if snip.kind == "shell":
            for cmd in shell_commands(snip.text):
                if SYNOPSIS.search(cmd):
                    synopses.append(cmd)
                    continue
                if re.search(r"-m venv\b", cmd):  # a set-up command: run what it does beyond installing
                    setup += 1
                    steps = [s.strip() for s in cmd.split("&&") if s.strip() and not SETUP_SKIP.search(s)]
                    if steps:
                        run(" && ".join(steps), repo, env, f"README set-up, {snip}")
                        ran.append(" && ".join(steps))
                    continue
                run(adapt(cmd, scratch), repo, env, f"README {snip}")
                ran.append(cmd)
        elif snip.kind == "python":
            run("python -", repo, env, f"README python block, {snip}", stdin=snip.text)
            ran.append("python block")
        elif snip.kind == "sql":
            run("lkjip query -", repo, env, f"README SQL block, {snip}", stdin=snip.text)
            ran.append("sql block")
    assert setup == 2, "the README's two set-up commands (install and run; install and test)"
    assert any("lkjip ingest" in c for c in ran) and "python block" in ran and "sql block" in ran
    for syn in synopses:
        words = syn.split()
        sub = words[1] if words[0].endswith("lkjip") and len(words) > 1 else None
        assert sub, f"a synopsis of what? {syn}"
        helptext = run(f"lkjip {sub} --help", repo, env, f"--help of {syn}").stdout
        for opt in re.findall(r"--[\w-]+", syn):
            assert opt in helptext, f"README synopsis names {opt}, `lkjip {sub} --help` does not: {syn}"


@pytest.fixture(scope="module")
def readme_in_background(tmp_path_factory):
    """The README's commands, started in a thread so that they run while the tutorial's do."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run_readme, *make_sandbox(tmp_path_factory.mktemp("readme")))
    yield future
    pool.shutdown(wait=True)


def test_tutorial_commands_run_as_written(readme_in_background, tmp_path):
    repo, env, scratch = make_sandbox(tmp_path)
    text = TUTORIAL.read_text(encoding="utf-8")
    snips = snippets(text)
    blocks = [s for s in snips if s.kind == "shell"]
    assert len(blocks) >= 10
    for s in snips:  # every command of the tutorial is in a ```bash block, so that it is tested
        assert s.kind == "shell" and text.splitlines()[s.line - 2].strip() == "```bash", \
            f"commands go in ```bash blocks (code in a `python - <<'EOF'` heredoc): {s}"
    outputs = []
    for block in blocks:
        proc = run(adapt(block.text, scratch), repo, env, f"tutorial block at {block}")
        outputs.append(proc.stdout)
        outputs_named = re.findall(r"--output\s+(\S+)|savefig\(\"([^\"]+)\"", block.text)
        for a, b in outputs_named:
            assert (repo / (a or b)).exists(), f"tutorial says it writes {a or b}: {block}"
    out = "\n".join(outputs)
    assert "3 ingested" in out and "3 unchanged" in out  # the re-run skips what is there
    assert "Kecamatan Kedungkandang" in out and "Key indicators" in out
    assert (repo / "ikm.png").stat().st_size > 10_000
    assert {"documents.csv", "capaian.csv", "serapan.csv"} <= {p.name for p in (repo / "my-dataset-csv").glob("*.csv")}


def test_readme_commands_run_as_written(readme_in_background):
    readme_in_background.result(timeout=TIMEOUT * 3)
