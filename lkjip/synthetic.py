"""Synthetic archives for benchmarks and tests: copies of sample reports with perturbed names,
numbers and years, plus a share of broken files, as an analyst's archive has them."""
from __future__ import annotations

import random
import re
from pathlib import Path

KECAMATAN = ["Sukamaju", "Cibeunying", "Margahayu", "Kedungwaru", "Tanjungsari", "Lowokwaru", "Sumbersari",
             "Pakisaji", "Wonosari", "Karangrejo", "Mekarjaya", "Sidomulyo", "Tegalrejo", "Banjarsari"]
_DECIMAL = re.compile(r"(?<=\d,)(\d)(\d?)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
BROKEN = {
    "empty.txt": b"",
    "garbage.txt": bytes(range(256)) * 16,
    "not-a-report.pdf": b"<html><body>502 Bad Gateway</body></html>",
    "truncated.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
}


def perturb(text: str, rng: random.Random, own: str) -> str:
    """A report made different: another kecamatan name, years shifted, decimals changed."""
    new = rng.choice(KECAMATAN)
    text = text.replace(own, new).replace(own.upper(), new.upper())
    shift = rng.randint(-3, 2)
    text = _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)
    return _DECIMAL.sub(lambda m: str(rng.randint(0, 9)) + m.group(2), text)


def build_archive(samples: list[Path], out: Path, n: int, broken_every: int = 50, seed: int = 7) -> list[Path]:
    """Write ``n`` reports under ``out`` (in folders per kabupaten, as archives are kept); returns the paths."""
    rng = random.Random(seed)
    texts = [(p.read_text(encoding="utf-8"), _own_kecamatan(p.read_text(encoding="utf-8"))) for p in samples]
    paths = []
    for i in range(n):
        folder = out / f"kab-{i % 7:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        if broken_every and i % broken_every == broken_every - 1:
            name, data = list(BROKEN.items())[(i // broken_every) % len(BROKEN)]
            path = folder / f"{i:05d}-{name}"
            path.write_bytes(data)
        else:
            text, own = texts[i % len(texts)]
            path = folder / f"{i:05d}-lkjip.txt"
            path.write_text(perturb(text, rng, own) if own else text, encoding="utf-8")
        paths.append(path)
    return paths


def _own_kecamatan(text: str) -> str:
    """The kecamatan named most often in a report (what the perturbation renames)."""
    names = re.findall(r"Kecamatan ([A-Z][a-z]+)", text)
    return max(set(names), key=names.count) if names else ""
