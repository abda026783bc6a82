"""Where each key of a TOML document sits: ``{("rule", 3, "points"): 42, …}``.

``tomllib`` gives values but no positions, and a policy checker that cannot say *which line* is wrong is
no help to the office that edits the file. This scanner walks the text once (after ``tomllib`` has
accepted it, so it can be lenient) and records the line of every key, table header and array element,
with array-of-tables indices resolved the way TOML resolves them.
"""

from __future__ import annotations

Path = tuple[str | int, ...]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[Path, int] = {}
        self.aot: dict[Path, int] = {}  # array-of-tables path -> index of its last element

    # -- low level -------------------------------------------------------------------------------
    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.pos < len(self.text):
                if self.text[self.pos] == "\n":
                    self.line += 1
                self.pos += 1

    def skip_ws(self, newlines: bool) -> None:
        while True:
            ch = self.peek()
            if ch in (" ", "\t", "\r") or (newlines and ch == "\n"):
                self.advance()
            elif ch == "#":
                while self.peek() not in ("", "\n"):
                    self.advance()
            else:
                return

    def skip_line(self) -> None:
        while self.peek() not in ("", "\n"):
            self.advance()
        self.advance()

    def string(self) -> str:
        quote = self.peek()
        triple = self.text.startswith(quote * 3, self.pos)
        out: list[str] = []
        if triple:
            self.advance(3)
            while self.pos < len(self.text) and not self.text.startswith(quote * 3, self.pos):
                if quote == '"' and self.peek() == "\\":
                    self.advance()
                out.append(self.peek())
                self.advance()
            self.advance(3)
            while self.peek() == quote:  # up to two quotes may close a multi-line string
                self.advance()
            return "".join(out)
        self.advance()
        while self.peek() not in ("", quote, "\n"):
            if quote == '"' and self.peek() == "\\":
                self.advance()
            out.append(self.peek())
            self.advance()
        self.advance()
        return "".join(out)

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_ws(False)
            if self.peek() in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.pos
                while self.peek() in _BARE and self.peek():
                    self.advance()
                parts.append(self.text[start:self.pos])
            self.skip_ws(False)
            if self.peek() == ".":
                self.advance()
                continue
            return parts

    # -- values --------------------------------------------------------------------------------
    def value(self, path: Path) -> None:
        ch = self.peek()
        if ch in ('"', "'"):
            self.string()
        elif ch == "[":
            self.advance()
            index = 0
            while True:
                self.skip_ws(True)
                if self.peek() in ("]", ""):
                    self.advance()
                    return
                self.lines.setdefault((*path, index), self.line)
                self.value((*path, index))
                index += 1
                self.skip_ws(True)
                if self.peek() == ",":
                    self.advance()
        elif ch == "{":
            self.advance()
            while True:
                self.skip_ws(False)
                if self.peek() in ("}", ""):
                    self.advance()
                    return
                keys = self.key()
                self.record(path, keys)
                if self.peek() == "=":
                    self.advance()
                self.skip_ws(False)
                self.value((*path, *keys))
                self.skip_ws(False)
                if self.peek() == ",":
                    self.advance()
        else:
            while self.peek() not in ("", ",", "]", "}", "\n", "#"):
                self.advance()

    def record(self, prefix: Path, keys: list[str]) -> None:
        for depth in range(1, len(keys) + 1):
            self.lines.setdefault((*prefix, *keys[:depth]), self.line)

    def resolve(self, keys: list[str]) -> Path:
        """A header's key path with the current index of every array of tables along it."""
        out: list[str | int] = []
        for part in keys:
            out.append(part)
            if tuple(out) in self.aot:
                out.append(self.aot[tuple(out)])
        return tuple(out)

    # -- document ------------------------------------------------------------------------------
    def document(self) -> dict[Path, int]:
        current: Path = ()
        while self.pos < len(self.text):
            self.skip_ws(True)
            ch = self.peek()
            if not ch:
                break
            if ch == "[":
                array = self.text.startswith("[[", self.pos)
                self.advance(2 if array else 1)
                keys = self.key()
                self.advance(2 if array else 1)
                if array:
                    parent = self.resolve(keys[:-1])
                    table: Path = (*parent, keys[-1])
                    self.aot[table] = self.aot.get(table, -1) + 1
                    current = (*table, self.aot[table])
                    self.lines.setdefault(table, self.line)
                else:
                    current = self.resolve(keys)
                self.lines[current] = self.line
                self.skip_line()
                continue
            keys = self.key()
            self.record(current, keys)
            if self.peek() == "=":
                self.advance()
                self.skip_ws(False)
                self.value((*current, *keys))
            self.skip_line()
        return self.lines


def key_lines(text: str) -> dict[Path, int]:
    """The line (1-based) of every key path in a TOML document that ``tomllib`` accepts."""
    return _Scanner(text).document()


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one (a key inside an inline table)."""
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None


def dotted(path: Path) -> str:
    """``("rule", 3, "points")`` → ``rule[3].points``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
