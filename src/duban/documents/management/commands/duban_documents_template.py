"""``duban duban_documents_template JURISDICTION_CODE``: where the office's document template and fonts go,
whether the template loads, and which installed font each official font name resolves to for PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import docx, pdf
from duban.documents.wording import DEFAULT, TemplateError, office_dir, wording_for
from duban.org.models import Jurisdiction

FONTS = [docx.FANGSONG, "仿宋", docx.XIAOBIAOSONG, docx.HEITI, docx.KAITI, "楷体", docx.SONGTI]


class Command(BaseCommand):
    help = ("显示本辖区公文模板（wording.toml、header.png）和字体目录的位置，检查模板，"
            "并列出公文字体在 PDF 中的替代字体。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jurisdiction")

    def handle(self, *args: Any, **opts: Any) -> None:
        j = Jurisdiction.objects.filter(code=opts["jurisdiction"]).first()
        if j is None:
            raise CommandError(f"辖区代码「{opts['jurisdiction']}」不存在。")
        folder = office_dir(j)
        self.stdout.write(f"默认模板：{DEFAULT}")
        self.stdout.write(f"本辖区模板目录：{folder}（wording.toml 覆盖默认措辞；header.png 替换红头）")
        self.stdout.write(f"字体目录：{pdf.office_font_dir()}（放入有授权的 仿宋_GB2312、方正小标宋简体 等字体文件）")
        try:
            w = wording_for(j, year=2026)
        except TemplateError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"发文机关标志：{w.office('mark')}；署名：{w.office('signature')}；"
                          f"红头图片：{w.header_image or '无（使用文字红头）'}")
        self.stdout.write(f"LibreOffice：{pdf.soffice() or '未安装（无法生成 PDF）'}")
        if shutil.which("fc-match") is None:
            return
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "FONTCONFIG_FILE": str(pdf.fontconfig_file(Path(tmp)))}
            for name in FONTS:
                out = subprocess.run(["fc-match", name], env=env, capture_output=True, text=True, check=False)
                self.stdout.write(f"  {name} → {out.stdout.strip()}")
