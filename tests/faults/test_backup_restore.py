"""The restore drill (issue 8, Backups): dump, drop, restore, and check_targets gives the same figures
and every media file comes back; restore.sh refuses to replace data unless told to, refuses a damaged
backup, and a restore that fails half-way leaves the database as it was."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from .conftest import PG_HOST, PG_PORT, PG_USER, REPO_ROOT, ScratchDatabase, describe, run

SCRIPTS = REPO_ROOT / "scripts"
AS_OF = ("2022-06-30", "2022-12-31")
BACKUP_PARTS = [
    "SHA256SUMS",
    "backup-info.txt",
    "database.dump",
    "media-files.sha256",
    "media.tar.gz",
]


def figures(db: ScratchDatabase) -> dict[str, str]:
    """check_targets --json on the two milestone days, as printed."""
    return {
        day: db.manage("check_targets", "--year", "2022", "--as-of", day, "--json").stdout
        for day in AS_OF
    }


def media_files(root: Path) -> dict[str, str]:
    """Every file under the media folder by its relative path, with its SHA-256."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def table_rows(db: ScratchDatabase) -> dict[str, int]:
    """Rows in every table, and where every id sequence stands (new rows must not collide)."""
    tables = db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    counts = {name: db.count(name) for (name,) in tables}
    sequences = db.query(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    )
    return counts | {f"{name} (sequence)": value or 0 for name, value in sequences}


def script(
    name: str, *args: str, db: ScratchDatabase, **env: str
) -> subprocess.CompletedProcess[str]:
    return run(["bash", str(SCRIPTS / name), *args], env=db.env(**env), timeout=300)


def backup(db: ScratchDatabase, out: Path) -> Path:
    done = script("backup.sh", str(out), db=db)
    assert done.returncode == 0, describe(done)
    assert "备份完成" in done.stdout
    (made,) = out.glob("zmd-backup-*")
    return made


def pg_tool(*args: str) -> None:
    done = run([*args, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER], env={}, timeout=60)
    assert done.returncode == 0, describe(done)


def test_restore_drill_gives_the_same_figures_and_media_files(
    scratch_db: ScratchDatabase, tmp_path: Path
) -> None:
    """The demo programme with its monthly reports (stamps in the media folder) is backed up, its
    database dropped and created empty, its media folder removed; after restore.sh check_targets
    prints the same on 30 June and 31 December, every table has the same rows, every sequence stands
    where it stood, and every media file is back with the same content."""
    db = scratch_db
    for command in ("migrate", "load_programme", "seed_demo", "seed_demo_reports"):
        db.manage(command)
    before = figures(db)
    rows = table_rows(db)
    media = media_files(db.media_root)
    assert rows["projects_household"] > 10_000 and rows["reporting_monthlyreport"] > 40
    stamps = db.query("SELECT stamp FROM reporting_monthlyreport WHERE stamp <> ''")
    assert {name for (name,) in stamps} == set(media)  # every approved version's stamp, on disk

    made = backup(db, tmp_path / "backups")
    assert sorted(p.name for p in made.iterdir()) == BACKUP_PARTS
    checked = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"],  # noqa: S607 - coreutils from PATH
        cwd=made,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"database={db.name}" in (made / "backup-info.txt").read_text()

    pg_tool("dropdb", db.name)
    pg_tool("createdb", db.name)
    shutil.rmtree(db.media_root)
    assert table_rows(db) == {}

    done = script("restore.sh", str(made), db=db)
    assert done.returncode == 0, describe(done)
    assert f"媒体文件 {len(media)} 个" in done.stdout
    assert figures(db) == before
    assert table_rows(db) == rows
    assert media_files(db.media_root) == media


def test_restore_refuses_to_replace_data_unless_forced_and_is_all_or_nothing(
    scratch_db: ScratchDatabase, tmp_path: Path
) -> None:
    """restore.sh leaves a database with tables and a media folder with files alone without --force;
    refuses a backup whose checksums do not match; a restore that fails half-way rolls back to the
    database as it was; with --force it replaces the tables and moves the old media files aside.
    backup.sh refuses a DATABASE_URL that is not PostgreSQL."""
    db = scratch_db
    db.manage("migrate")
    db.manage("load_programme")
    (db.media_root / "evidence").mkdir()
    (db.media_root / "evidence" / "scan.pdf").write_bytes(b"%PDF-1.4 backed up")
    made = backup(db, tmp_path / "backups")
    backed_up = table_rows(db)
    backed_up_media = media_files(db.media_root)

    # Changes after the backup, which a restore is to undo.
    db.execute("CREATE TABLE stray (x int); UPDATE projects_unit SET name = name || '（改）'")
    (db.media_root / "evidence" / "later.pdf").write_bytes(b"%PDF-1.4 uploaded later")
    changed = table_rows(db)
    changed_media = media_files(db.media_root)
    units = db.query("SELECT name FROM projects_unit ORDER BY id")

    def unchanged() -> bool:
        return (
            table_rows(db) == changed
            and media_files(db.media_root) == changed_media
            and db.query("SELECT name FROM projects_unit ORDER BY id") == units
        )

    refused = script("restore.sh", str(made), db=db)
    assert refused.returncode == 1
    assert "不是空库" in refused.stderr and "--force" in refused.stderr
    assert unchanged()

    damaged = tmp_path / "damaged"
    shutil.copytree(made, damaged)
    dump = bytearray((damaged / "database.dump").read_bytes())
    dump[len(dump) // 2] ^= 0xFF
    (damaged / "database.dump").write_bytes(bytes(dump))
    refused = script("restore.sh", "--force", str(damaged), db=db)
    assert refused.returncode == 1 and "校验不符" in refused.stderr, describe(refused)
    assert unchanged()

    # A name the dump needs for a table is taken by something --force does not drop (a type): the
    # restore fails after it has created other tables, and the whole transaction rolls back.
    db.execute(
        "DROP TABLE reporting_reportflag CASCADE; CREATE TYPE reporting_reportflag AS (x int)"
    )
    changed = table_rows(db)
    failed = script("restore.sh", "--force", str(made), db=db)
    assert failed.returncode == 1 and "已回滚" in failed.stderr, describe(failed)
    assert unchanged()
    db.execute("DROP TYPE reporting_reportflag")

    done = script("restore.sh", "--force", str(made), db=db)
    assert done.returncode == 0, describe(done)
    assert table_rows(db) == backed_up
    assert not db.query("SELECT 1 FROM pg_tables WHERE tablename = 'stray'")
    assert media_files(db.media_root) == backed_up_media
    (aside,) = tmp_path.glob("media.before-restore-*")
    assert media_files(aside) == changed_media

    not_postgres = script("backup.sh", str(tmp_path / "x"), db=db, DATABASE_URL="sqlite:///x.db")
    assert not_postgres.returncode == 1 and "不是 PostgreSQL" in not_postgres.stderr
    assert not (tmp_path / "x").exists()
