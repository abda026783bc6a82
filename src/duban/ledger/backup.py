"""Backups of the whole database: SQLite through its online backup API, PostgreSQL with pg_dump.

A backup is one file. Restoring replaces the database's contents with the file's; the ledger chain is
then verified (``duban audit verify``) so a restored system proves it holds the same history.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection


class BackupError(Exception):
    pass


def _pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    import os

    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def backup(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = connection.connection
        with sqlite3.connect(str(target)) as destination:
            source.backup(destination)
        return target
    if connection.vendor == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("未找到 pg_dump（请安装 postgresql-client）。")
        args, env = _pg_args(settings_dict)
        result = subprocess.run(["pg_dump", "-Fc", "-f", str(target), *args, str(settings_dict["NAME"])],
                                env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
        return target
    raise BackupError(f"不支持的数据库：{connection.vendor}")


def restore(source: Path) -> None:
    if not source.exists():
        raise BackupError(f"找不到备份文件：{source}")
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        with sqlite3.connect(str(source)) as backup_db:
            connection.ensure_connection()
            backup_db.backup(connection.connection)
        return
    if connection.vendor == "postgresql":
        if shutil.which("pg_restore") is None:
            raise BackupError("未找到 pg_restore（请安装 postgresql-client）。")
        connection.close()
        args, env = _pg_args(settings_dict)
        result = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d",
             str(settings_dict["NAME"]), *args, str(source)],
            env=env, capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
        return
    raise BackupError(f"不支持的数据库：{connection.vendor}")
