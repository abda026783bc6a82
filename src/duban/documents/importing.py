"""Excel import of items (督查事项) from the office's existing ledgers (issue #7 "Excel import").

The same shape as the units/people import (``duban.org.importing``, whose ``Problem``, ``ImportRow``,
``column_letter`` and cell reading are reused): read the whole file with python-calamine, report every
row's problems with sheet, row and column, and write nothing unless the whole file is valid — or the
user chose to import only the valid rows. Then everything is written in one transaction.

Reading
  The header is found in the first 10 rows of the first visible sheet that has one; it may be one row
  or two (a group such as 责任分工 over 牵头单位 | 配合单位, as duban's own ledger writes it). Columns
  (``*`` required; common spellings accepted, see ``ALIASES``): 编号, 事项名称*, 办理内容, 来源,
  督查等级, 牵头单位*, 配合单位, 办结时限*, 办理要求. Other columns (序号, 状态, 备注 …) are ignored.
  A ``'`` that duban's ledger writer put before text starting with = + - @ is removed again.

Dates (办结时限)
  Read: Excel dates; 2026-12-31, 2026/12/31, 2026.12.31, 20261231; 2026年12月31日; 12月31日; with 前 /
  之前 / 以前 after any of them ("12月31日前"). **Year rule**: a date written without a year
  (12月31日前) is taken in the year of the import (2026年) — the preview shows the date it was read as.
  Anything else ("年底前", "长期坚持", "6月底") is refused with the cell named.

Units
  牵头单位 (exactly one) and 配合单位 (separated by 、 ， , ； ; / or spaces) are looked up by name or
  unit code in the importing person's jurisdiction; an unknown unit is a problem.

What is written (S0-9, recorded)
  Each row becomes an item already handed out (待签收) with its lead and co-units, as it stands in the
  office's ledger; one ledger event ``item_imported`` per item (who, when, the file's SHA-256, sheet and
  row). The item keeps the ledger's 编号 when it has one that is free in the jurisdiction (and the
  number sequence is moved past it, so new registrations never collide); otherwise it is numbered.

Idempotence
  Each row has an import key (its 编号, or failing that its 事项名称 + 牵头单位 + 办结时限), kept in
  :class:`ImportedItem`. Re-importing the same file — or a later version of the same ledger — skips the
  rows already imported ("已导入，跳过") instead of creating duplicates. Two rows of one file with the
  same key are a problem (duplicate).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from duban.core.lifecycle import LEVEL_LABELS, ItemState, Level
from duban.items import access, due
from duban.items.errors import PermissionDenied
from duban.items.models import Assignment, Item, Source
from duban.items.models import Sequence as NumberSequence
from duban.items.services import item_code, reserve_numbers
from duban.ledger import chain
from duban.org.importing import ImportRow as _BaseRow
from duban.org.importing import Problem, column_letter, normalise_header
from duban.org.models import Jurisdiction, Unit, User

from .ledger import FORMULA_STARTS, unescape_cell
from .models import ImportedItem

COLUMNS = ["编号", "事项名称", "办理内容", "来源", "督查等级", "牵头单位", "配合单位", "办结时限", "办理要求"]
REQUIRED = ["事项名称", "牵头单位", "办结时限"]
ALIASES = {
    "事项编号": "编号", "督办编号": "编号", "文号": "编号",
    "事项": "事项名称", "督办事项": "事项名称", "督查事项": "事项名称", "任务名称": "事项名称", "工作任务": "事项名称",
    "重点任务": "事项名称", "事项标题": "事项名称",
    "内容": "办理内容", "具体内容": "办理内容", "工作内容": "办理内容", "任务内容": "办理内容", "主要内容": "办理内容",
    "事项内容": "办理内容", "具体任务": "办理内容",
    "事项来源": "来源", "来源类别": "来源",
    "等级": "督查等级", "重要程度": "督查等级", "督办等级": "督查等级",
    "责任单位": "牵头单位", "主办单位": "牵头单位", "牵头责任单位": "牵头单位", "承办单位": "牵头单位",
    "协办单位": "配合单位", "配合责任单位": "配合单位",
    "完成时限": "办结时限", "办结时间": "办结时限", "时限要求": "办结时限", "完成时间": "办结时限", "时限": "办结时限",
    "要求": "办理要求",
}
HEADER_SEARCH_ROWS = 10
IN_CHUNK = 900
WHOLE_SCAN = 5000
WRITE_CHUNK = 2000  # rows written per step of the import's one transaction
LEVEL_VALUES = frozenset(lv.value for lv in Level)
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
UNIT_SEPARATORS = re.compile(r"[、,，;；/\s]+")
SKIP = "已导入，跳过"
CREATE = "新增"
LEVEL_BY_LABEL = {str(label): lv.value for lv, label in LEVEL_LABELS.items()} | {
    "特别重要": "especially", "比较重要": "fairly", "一般重要": "generally", "一般": "generally",
    "重要": "fairly", "特急": "especially", "A": "especially", "B": "fairly", "C": "generally",
}
SOURCE_BY_LABEL = {str(label): value for value, label in Source.choices}
_CODE = re.compile(r"^督〔(\d{4})〕(\d+)号$")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MD = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_BEFORE = re.compile(r"(之前|以前|前)$")

Source_ = Path | str | bytes | IO[bytes]


@dataclass
class ItemImportRow(_BaseRow):
    """One data row: the raw texts (``values``), what was read from them and its problems."""

    key: str = ""
    deadline: dt.date | None = None
    lead: Unit | None = None
    co: list[Unit] = field(default_factory=list)
    level: str = ""
    source: str = ""
    source_detail: str = ""
    raw_deadline: Any = None


@dataclass
class ItemImportResult:
    file_name: str = ""
    sha256: str = ""
    sheet: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[ItemImportRow] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    year: int = 0
    created: int = 0
    skipped: int = 0
    written: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [*self.file_problems, *(p for r in self.rows for p in r.problems)]

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(r.ok for r in self.rows)

    @property
    def valid_rows(self) -> list[ItemImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def to_create(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == CREATE)

    @property
    def to_skip(self) -> int:
        return sum(1 for r in self.rows if r.action == SKIP)

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


# ---- reading ---------------------------------------------------------------------------------------


def _grid(source: Source_) -> tuple[str, list[tuple[str, list[list[Any]]]]]:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | Path):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    sha = hashlib.sha256(data).hexdigest()
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = [m.name for m in wb.sheets_metadata
              if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet]
    return sha, [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in sheets]


@dataclass(frozen=True)
class Layout:
    """The columns one kind of ledger has: canonical names, the required ones, accepted spellings, and
    the column holding a date (read from its raw cell)."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str]
    date_column: str = ""

    def name(self, header_cell: Any) -> str:
        name = normalise_header(str(header_cell or ""))
        return self.aliases.get(name, name)


ITEMS = Layout(tuple(COLUMNS), tuple(REQUIRED), ALIASES, "办结时限")


def _header(grid: list[list[Any]], layout: Layout = ITEMS) -> tuple[int, dict[int, str]] | None:
    """(index of the last header row, column → canonical name), one- or two-row headers."""
    known = set(layout.columns)
    top = grid[:HEADER_SEARCH_ROWS]
    for i, raw in enumerate(top):
        names = [layout.name(c) for c in raw]
        below = [layout.name(c) for c in grid[i + 1]] if i + 1 < len(grid) else []
        one = {c: n for c, n in enumerate(names) if n in known}
        if all(r in one.values() for r in layout.required):
            if any(n in known and n not in one.values() for n in below):
                pass  # a group row above a title row: fall through to the two-row reading
            else:
                return i, one
        if not one:  # a title or subtitle row: the header starts further down (it may have two rows)
            continue
        two = dict(one)
        for c, n in enumerate(below):
            if n in known and (c not in two):
                two[c] = n
        if all(r in two.values() for r in layout.required) and len(two) > len(one):
            return i + 1, two
    return None


@dataclass
class Table:
    sha256: str = ""
    sheet: str = ""
    columns: list[str] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)
    rows: list[ItemImportRow] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)


def read_table(source: Source_, layout: Layout, *, file_name: str = "") -> Table:
    """The data rows (Excel row numbers kept) of the first visible sheet with ``layout``'s header."""
    table = Table()
    label = file_name or "上传的文件"
    try:
        table.sha256, sheets = _grid(source)
    except Exception as exc:  # calamine raises its own types for damaged or non-Excel files
        table.file_problems.append(Problem(label, 0, "文件", f"无法读取 Excel 文件（{type(exc).__name__}）："
                                          "请上传 .xlsx/.xls 格式的工作簿"))
        return table
    found = None
    for name, grid in sheets:
        header = _header(grid, layout)
        if header is not None:
            found = (name, grid, header)
            break
    if found is None:
        first = sheets[0][0] if sheets else label
        table.file_problems.append(Problem(first, 1, "表头", "找不到表头：前 10 行中应有包含"
                                           + "、".join(layout.required) + " 的表头行"))
        return table
    name, grid, (last_header, header) = found
    table.sheet = name
    table.columns = [c for c in layout.columns if c in header.values()]
    table.letters = {n: column_letter(c) for c, n in header.items()}
    columns = sorted(header.items())
    width = max(header) + 1
    date_col = next((c for c, n in columns if n == layout.date_column), None)
    date_type = dt.date
    for offset, raw in enumerate(grid[last_header + 1:], start=last_header + 2):
        if len(raw) < width:
            raw = [*raw, *([None] * (width - len(raw)))]
        # plain text and dates inline, anything else (a leading ', numbers, None …) through _text
        values = {n: (v.strip() if type(v := raw[c]) is str and ("'" not in v or v[:1] != "'")
                      else v.isoformat() if type(v) is date_type else _text(v)) for c, n in columns}
        if not any(values.values()):
            continue
        row = ItemImportRow(name, offset, values)
        row.raw_deadline = raw[date_col] if date_col is not None else None
        table.rows.append(row)
    if not table.rows:
        table.file_problems.append(Problem(name, 0, "数据", "表头下没有数据行"))
    return table


def _text(value: Any) -> str:
    if type(value) is str:  # the common case first
        return (value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_FIRST else value).strip()
    if value is None:
        return ""
    if type(value) is dt.date:
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time.min else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(unescape_cell(str(value))).strip()


def parse_deadline(value: Any, *, year: int) -> tuple[dt.date | None, str]:
    """A 办结时限 cell as a date, or the reason it cannot be read (see the module's year rule)."""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel date serial that lost its format
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value)), ""
        return None, f"无法识别的日期「{_text(value)}」"
    text = str(value or "").strip().replace(" ", "").replace("\u3000", "")
    if not text:
        return None, "必填：请填写办结时限（如 2026-12-31、2026年12月31日、12月31日前）"
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # ISO 2026-12-31 before the regexes
        try:
            return dt.date.fromisoformat(text), ""
        except ValueError:
            pass  # 2026-02-30, full-width digits …: the regexes below give the same reading or message
    core = _BEFORE.sub("", text)
    try:
        if m := _YMD.match(core) or _COMPACT.match(core):
            return dt.date(int(m[1]), int(m[2]), int(m[3])), ""
        if m := _MD.match(core):
            return dt.date(year, int(m[1]), int(m[2])), ""
    except ValueError:
        return None, f"日期不存在：「{text}」"
    return None, (f"无法识别的日期「{text}」：请写成 2026-12-31、2026年12月31日 或 12月31日前"
                  f"（不写年份按 {year} 年计）")


def read(source: Source_, jurisdiction: Jurisdiction, *, file_name: str = "",
         today: dt.date | None = None) -> ItemImportResult:
    """Read and check the whole file; nothing is written."""
    year = (today or timezone.localdate()).year
    # The grid and the rows are hundreds of thousands of small containers without reference cycles:
    # with the cyclic collector on, its passes over them cost as much as all the checks (bench/excel).
    collecting = gc.isenabled()
    gc.disable()
    try:
        table = read_table(source, ITEMS, file_name=file_name)
        result = ItemImportResult(file_name=file_name, sha256=table.sha256, sheet=table.sheet,
                                  columns=table.columns, rows=table.rows, file_problems=table.file_problems,
                                  year=year)
        if table.sheet and not table.file_problems:
            _check(result, jurisdiction, table.letters)
    finally:
        if collecting:
            gc.enable()
    return result


def _add(row: ItemImportRow, letters: dict[str, str], column: str, message: str) -> None:
    letter = letters.get(column, "")
    row.problems.append(Problem(row.sheet, row.row, column, message, f"{letter}{row.row}" if letter else ""))


def row_key(values: dict[str, str], deadline: dt.date | None) -> str:
    code = values.get("编号", "").strip()
    if code:
        return "code:" + code
    basis = "|".join([values.get("事项名称", "").strip(), values.get("牵头单位", "").strip(),
                      deadline.isoformat() if deadline else ""])
    return "row:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def units_by_name_or_code(jurisdiction_id: int) -> dict[str, Unit]:
    """A jurisdiction's units by name and by code (a name wins over another unit's code)."""
    units: dict[str, Unit] = {}
    for u in Unit.objects.filter(jurisdiction_id=jurisdiction_id).only("pk", "name", "code", "path",
                                                                        "jurisdiction_id"):
        units.setdefault(u.code, u)
        units[u.name] = u
    return units


def _check(result: ItemImportResult, jurisdiction: Jurisdiction, letters: dict[str, str]) -> None:
    # Everything looked up per row is prepared once: units by name or code, levels, sources, the
    # co-unit lists by their cell text. The per-row loop then does dict lookups only; the full
    # checks (and their messages) run only for the uncommon cells.
    units = units_by_name_or_code(jurisdiction.pk)
    # "" → the default level; a label wins over a value spelled the same (as LEVEL_BY_LABEL.get(x, x)).
    levels = {value: value for value in LEVEL_VALUES} | LEVEL_BY_LABEL | {"": Level.GENERALLY_IMPORTANT.value}
    other_source = Source.OTHER.value
    sources: dict[str, tuple[str, str]] = {}
    # (牵头单位, 配合单位) cell texts → (lead, co-units) when both are fine; None → the full check.
    assigned: dict[tuple[str, str], Any] = {}
    keys_in_file: dict[str, int] = {}
    title_limit = Item._meta.get_field("title").max_length or 200
    year = result.year
    date_type, datetime_type = dt.date, dt.datetime
    sha256 = hashlib.sha256
    for row in result.rows:
        v = row.values
        get = v.get
        title = get("事项名称", "")
        if not title:
            _add(row, letters, "事项名称", "必填")
        elif len(title) > title_limit:
            _add(row, letters, "事项名称", f"超过 {title_limit} 个字符（现有 {len(title)} 个）")
        lead_text = get("牵头单位", "")
        co_text = get("配合单位", "")
        pair = (lead_text, co_text)
        known = assigned.get(pair, _UNSEEN)
        if known is _UNSEEN:
            known = assigned[pair] = _known_units(lead_text, co_text, units)
        if known is not None:  # the common case: one known lead, known co-units, none named twice
            row.lead, co = known
            if co:
                row.co = list(co)
        else:
            _check_units(row, letters, lead_text, co_text, units)
        raw = row.raw_deadline
        kind = type(raw)
        if kind is date_type:
            deadline: dt.date | None = raw
        elif kind is datetime_type:
            deadline = raw.date()
        else:
            deadline, message = parse_deadline(raw, year=year)
            if message:
                _add(row, letters, "办结时限", message)
        row.deadline = deadline
        level_text = get("督查等级", "")
        level = levels.get(level_text)
        if level is None:
            _add(row, letters, "督查等级", f"未知督查等级「{level_text}」，可用：特别重要、比较重要、一般重要")
        else:
            row.level = level
        source_text = get("来源", "")
        source = sources.get(source_text)
        if source is None:
            source = sources[source_text] = (
                SOURCE_BY_LABEL.get(source_text, other_source),
                "" if source_text in SOURCE_BY_LABEL else source_text[:200])
        row.source, row.source_detail = source
        # = row_key(v, deadline), inline
        code = get("编号", "").strip()
        if code:
            key = "code:" + code
        else:
            basis = "|".join([title.strip(), lead_text.strip(), deadline.isoformat() if deadline else ""])
            key = "row:" + sha256(basis.encode()).hexdigest()[:32]
        row.key = key
        first = keys_in_file.get(key)
        if first is not None:
            what = f"编号「{v['编号']}」" if code else "事项名称、牵头单位和办结时限"
            _add(row, letters, "编号" if code else "事项名称", f"重复：{what}与第 {first} 行相同")
        else:
            keys_in_file[key] = row.row
    done = _existing(ImportedItem.objects.filter(jurisdiction=jurisdiction), "key", list(keys_in_file))
    codes = [r.values["编号"] for r in result.rows if r.values.get("编号") and r.key not in done]
    taken = _existing(Item.objects.filter(jurisdiction=jurisdiction), "code", codes) if codes else set()
    if not done and not taken:  # a new ledger: every row without a problem is created as it stands
        for row in result.rows:
            if not row.problems:
                row.action = CREATE
        return
    for row in result.rows:
        if row.key in done:
            row.action = SKIP
            if row.problems:
                row.problems = [p for p in row.problems if not p.message.startswith("重复")]
        elif not row.problems:
            row.action = CREATE
            if row.values.get("编号") in taken:
                row.action = CREATE + "（另编号）"


_UNSEEN = object()


def _known_units(lead_text: str, co_text: str, units: dict[str, Unit]) -> tuple[Unit, tuple[Unit, ...]] | None:
    """The lead and co-units when the lead is one known unit and every co-unit is known, not the lead
    and not named twice; else None (then :func:`_check_units` reports what is wrong)."""
    lead = units.get(lead_text)
    if lead is None:
        return None
    found: list[Unit] = []
    for name in UNIT_SEPARATORS.split(co_text):
        if not name:
            continue
        unit = units.get(name)
        if unit is None or unit is lead or any(u is unit for u in found):
            return None
        found.append(unit)
    return lead, tuple(found)


def _check_units(row: ItemImportRow, letters: dict[str, str], lead_text: str, co_text: str,
                 units: dict[str, Unit]) -> None:
    """The full 牵头单位 / 配合单位 check, every problem with its cell."""
    if lead_text in units:
        row.lead = units[lead_text]
    elif not lead_text:
        _add(row, letters, "牵头单位", "必填：缺少牵头单位")
    elif len([n for n in UNIT_SEPARATORS.split(lead_text) if n]) > 1:
        _add(row, letters, "牵头单位", f"牵头单位只能有一个（「{lead_text}」），其余请列入配合单位")
    else:
        _add(row, letters, "牵头单位", f"未知单位「{lead_text}」：本辖区没有此单位名称或代码")
    for name in (n for n in UNIT_SEPARATORS.split(co_text) if n):
        unit = units.get(name)
        if unit is None:
            _add(row, letters, "配合单位", f"未知单位「{name}」：本辖区没有此单位名称或代码")
        elif row.lead is not None and unit.pk == row.lead.pk:
            _add(row, letters, "配合单位", f"「{name}」已是牵头单位")
        elif unit not in row.co:
            row.co.append(unit)


def _existing(qs: Any, field_name: str, values: list[str]) -> set[str]:
    """Which of ``values`` the queryset holds in ``field_name`` — in chunks (SQLite's variable limit)."""
    found: set[str] = set()
    if len(values) > WHOLE_SCAN:  # many values: one scan of the jurisdiction beats hundreds of IN (...) queries
        wanted = set(values)
        return {v for v in qs.values_list(field_name, flat=True).iterator(chunk_size=5000) if v in wanted}
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        found.update(qs.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True))
    return found


# ---- writing ---------------------------------------------------------------------------------------


def check_importer(actor: User) -> None:
    if not access.is_office(actor) or actor.jurisdiction_id is None:
        raise PermissionDenied("只有督查室人员可以导入督查事项。")


def write(result: ItemImportResult, actor: User, *, only_valid: bool = False, now: dt.datetime | None = None,
          progress: Callable[[int], None] | None = None) -> ItemImportResult:
    """Write the rows read by :func:`read` (all valid, or ``only_valid``) in one transaction."""
    check_importer(actor)
    if not result.ok and not only_valid:
        return result
    if result.file_problems:
        return result
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    jurisdiction_id = actor.jurisdiction_id
    assert jurisdiction_id is not None
    rows = [r for r in result.rows if r.ok and r.action.startswith(CREATE)]
    result.skipped = sum(1 for r in result.rows if r.action == SKIP)
    with transaction.atomic():
        # Re-check under the transaction: another import of the same file may have finished meanwhile.
        done = _existing(ImportedItem.objects.select_for_update().filter(jurisdiction_id=jurisdiction_id), "key",
                         [r.key for r in rows])
        rows = [r for r in rows if r.key not in done]
        result.skipped += len(done)
        wanted = {r.values.get("编号", "") for r in rows} - {""}
        taken = _existing(Item.objects.filter(jurisdiction_id=jurisdiction_id), "code", sorted(wanted))
        keep = [r for r in rows if r.values.get("编号") and r.values["编号"] not in taken]
        kept = {id(r) for r in keep}
        fresh = [r for r in rows if id(r) not in kept]
        _bump_sequences(jurisdiction_id, [r.values["编号"] for r in keep])
        first = reserve_numbers(jurisdiction_id, "item", today.year, len(fresh)) if fresh else 0
        codes = {id(r): r.values["编号"] for r in keep}
        for n, r in enumerate(fresh):
            codes[id(r)] = item_code(today.year, first + n)
        # Written a chunk at a time inside the one transaction (all or nothing): a chunk's model
        # instances are dropped before the next is built, so memory stays flat on 100,000 rows.
        created = 0
        for start in range(0, len(rows), WRITE_CHUNK):
            created += _write_chunk(rows[start:start + WRITE_CHUNK], codes, result, actor, jurisdiction_id, now,
                                    today)
            if progress is not None:
                progress(created)
    result.created = created
    result.written = True
    return result


def _write_chunk(rows: list[ItemImportRow], codes: dict[int, str], result: ItemImportResult, actor: User,
                 jurisdiction_id: int, now: dt.datetime, today: dt.date) -> int:
    """One chunk of rows: items, assignments, next due moments, ledger events, import keys."""
    items: list[Item] = []
    for r in rows:
        v = r.values
        items.append(Item(
            jurisdiction_id=jurisdiction_id, code=codes[id(r)], title=v["事项名称"][:200],
            content=v.get("办理内容") or v["事项名称"], source=r.source, source_detail=r.source_detail,
            level=r.level, state=ItemState.ASSIGNED, requirements=v.get("办理要求", ""), deadline=r.deadline,
            registered_by=actor, registered_at=now, approved_at=now, assigned_at=now,
        ))
    Item.objects.bulk_create(items, batch_size=1000)
    assignments: list[Assignment] = []
    by_item: dict[int, list[Assignment]] = {}
    for item, r in zip(items, rows, strict=True):
        assert r.lead is not None
        group = [Assignment(jurisdiction_id=jurisdiction_id, item=item, unit=r.lead, role=Assignment.Role.LEAD)]
        group += [Assignment(jurisdiction_id=jurisdiction_id, item=item, unit=u, role=Assignment.Role.CO)
                  for u in r.co]
        by_item[item.pk] = group
        assignments += group
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    _set_next_due(items, by_item, today)
    chain.append_rows(jurisdiction_id, [{
        "kind": "item_imported", "at": now, "actor": actor, "item": item, "rule_id": "S0-9",
        "summary": f"从台账导入：{item.title}",
        "after": {"state": item.state, "level": item.level, "source": item.source,
                  "deadline": item.deadline, "lead": r.lead.name if r.lead else "",
                  "co": [u.name for u in r.co]},
        "data": {"file_sha256": result.sha256, "file_name": result.file_name, "sheet": r.sheet,
                 "row": r.row, "import_key": r.key},
    } for item, r in zip(items, rows, strict=True)])
    ImportedItem.objects.bulk_create(
        [ImportedItem(jurisdiction_id=jurisdiction_id, key=r.key, item=item, file_sha256=result.sha256,
                      sheet=r.sheet, row=r.row, imported_at=now, imported_by=actor)
         for item, r in zip(items, rows, strict=True)], batch_size=2000)
    return len(items)


def _bump_sequences(jurisdiction_id: int, codes: list[str]) -> None:
    """Kept 编号 of the form 督〔2025〕17号: move that year's sequence past the highest one."""
    highest: dict[int, int] = {}
    for code in codes:
        if m := _CODE.match(code):
            year, n = int(m[1]), int(m[2])
            highest[year] = max(highest.get(year, 0), n)
    for year, n in highest.items():
        seq, _ = NumberSequence.objects.select_for_update().get_or_create(
            jurisdiction_id=jurisdiction_id, kind="item", year=year)
        if seq.last < n:
            NumberSequence.objects.filter(pk=seq.pk).update(last=n)


def _set_next_due(items: list[Item], by_item: dict[int, list[Assignment]], today: dt.date) -> None:
    """When the sweep next looks at each imported item (receipt, reminders, deadline)."""
    groups: dict[dt.datetime | None, list[int]] = {}
    for item in items:
        moment = due.next_check(item, today, by_item[item.pk])
        item.next_due_at = moment
        groups.setdefault(moment, []).append(item.pk)
    for moment, pks in groups.items():
        for start in range(0, len(pks), IN_CHUNK):
            Item.objects.filter(pk__in=pks[start:start + IN_CHUNK]).update(next_due_at=moment)
