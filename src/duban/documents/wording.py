"""The office's template for its documents: wording (TOML) and header image.

The package default is ``wording.toml`` next to this module; an office overrides any key in
``$DUBAN_DATA_DIR/documents/<辖区代码>/wording.toml`` and may add ``header.png`` / ``header.jpg`` there,
which replaces the red issuing-authority mark. See the comments in ``wording.toml``.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from duban.org.models import Jurisdiction

from .docx import Block

DEFAULT = Path(__file__).with_name("wording.toml")
HEADER_NAMES = ("header.png", "header.jpg", "header.jpeg")


class TemplateError(ValueError):
    """The office's template cannot be used (bad TOML, unknown placeholder): a Chinese message."""


def office_dir(jurisdiction: Jurisdiction) -> Path:
    return Path(settings.DATA_DIR) / "documents" / jurisdiction.code


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"公文模板 {path} 格式错误：{exc}") from exc


@dataclass
class Wording:
    data: dict[str, Any]
    header_image: Path | None
    values: dict[str, str]

    def fill(self, text: str, **values: object) -> str:
        """``text`` with its {placeholders} filled; an unknown placeholder is a TemplateError."""
        names = {**self.values, **{k: "" if v is None else str(v) for k, v in values.items()}}
        for _, field, _, _ in string.Formatter().parse(text):
            if field is not None and field not in names:
                raise TemplateError(f"公文模板中的占位符 {{{field}}} 不存在，可用：" + "、".join(sorted(names)))
        return text.format_map(names)

    def section(self, kind: str) -> dict[str, Any]:
        return dict(self.data.get(kind, {}))

    def office(self, key: str) -> str:
        return self.fill(str(self.data["office"].get(key, "")))

    def number_prefix(self, kind: str) -> str:
        return str(self.data["numbers"][kind])

    def body(self, kind: str, *, table: tuple[tuple[str, ...], ...] = (), **values: object) -> list[Block]:
        """The section's ``body`` lines as blocks: "# " → 一级标题 (黑体), "## " → 二级标题 (楷体),
        "@table" → the table; a line that is empty once filled is left out."""
        blocks: list[Block] = []
        for line in self.section(kind).get("body", []):
            line = str(line)
            if line.strip() == "@table":
                if table:
                    blocks.append(Block("table", rows=table))
                continue
            kind_of = "p"
            if line.startswith("## "):
                kind_of, line = "h2", line[3:]
            elif line.startswith("# "):
                kind_of, line = "h1", line[2:]
            text = self.fill(line, **values).strip()
            if text:
                for part in text.split("\n"):
                    if part.strip():
                        blocks.append(Block(kind_of, part.strip()))
        return blocks


def wording_for(jurisdiction: Jurisdiction, *, year: int) -> Wording:
    data = _load(DEFAULT)
    folder = office_dir(jurisdiction)
    custom = folder / "wording.toml"
    if custom.is_file():
        data = _merge(data, _load(custom))
    header = next((folder / n for n in HEADER_NAMES if (folder / n).is_file()), None)
    w = Wording(data, header, {"jurisdiction": jurisdiction.name, "year": str(year)})
    w.values["office"] = w.fill(str(data["office"]["name"]))
    return w
