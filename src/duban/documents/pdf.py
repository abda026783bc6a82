"""PDF from .docx through LibreOffice (``soffice --headless --convert-to pdf``).

Robust by construction: every conversion runs with a private profile directory
(``-env:UserInstallation``, so concurrent conversions never share or lock a profile), a timeout, and
``FONTCONFIG_FILE`` pointing at duban's fontconfig file (``fonts/duban-fonts.conf``), which maps the
official font names (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312 …) onto the installed Noto CJK fonts
and reads the office's own licensed fonts from ``$DUBAN_DATA_DIR/fonts/`` first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

FONTCONF_TEMPLATE = Path(__file__).with_name("fonts") / "duban-fonts.conf"
TIMEOUT_SECONDS = 120


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed or the conversion failed: a Chinese message for the user."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_font_dir() -> Path:
    return Path(settings.DATA_DIR) / "fonts"


def fontconfig_file(workdir: Path) -> Path:
    """duban's fontconfig file with the office's font directory filled in, written to ``workdir``."""
    fonts = office_font_dir()
    fonts.mkdir(parents=True, exist_ok=True)
    text = FONTCONF_TEMPLATE.read_text(encoding="utf-8").replace("@OFFICE_FONT_DIR@", str(fonts))
    target = workdir / "fonts.conf"
    target.write_text(text, encoding="utf-8")
    return target


def docx_to_pdf(docx: bytes, *, timeout: float = TIMEOUT_SECONDS) -> bytes:
    binary = soffice()
    if binary is None:
        raise PdfUnavailable("服务器未安装 LibreOffice（libreoffice-writer-nogui），无法生成 PDF；请下载 Word 版本，"
                             "或请管理员安装后重试。")
    with tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx)
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(work)), "HOME": str(work),
               "SAL_USE_VCLPLUGIN": "svp"}
        cmd = [binary, "--headless", "--norestore", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation={(work / 'profile').as_uri()}",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work), str(source)]
        try:
            proc = subprocess.run(cmd, env=env, cwd=work, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"生成 PDF 超时（{int(timeout)} 秒），请稍后重试或下载 Word 版本。") from exc
        result = work / "document.pdf"
        if proc.returncode != 0 or not result.is_file():
            detail = (proc.stderr or proc.stdout).decode(errors="replace").strip()[-300:]
            raise PdfUnavailable(f"LibreOffice 未能生成 PDF（返回码 {proc.returncode}）：{detail}")
        return result.read_bytes()
