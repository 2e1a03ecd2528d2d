"""The unit store: one SQLite file per embedding space holds the registry, units, vectors and lexical tokens.

SQLite is the source of truth. A document is written in one transaction (new units and windows, the registry
entry, the previous version's rows deleted, the generation bumped), so a crash at any moment leaves either the
old or the new version live, never a mix. Chroma's vector index is derived from it (`angui.vector_index`).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from angui.dense import EXACT_LIMIT, DenseMatrix
from angui.schema import DocMeta, Unit, doc_from_metadata, search_text, unit_id, unit_metadata

Window = tuple[int, np.ndarray]  # (index of the unit in the document, vector of a later stretch of its text)
BUSY_TIMEOUT_S = 30.0  # how long a statement waits for another process's write transaction
PAGE = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (doc_key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, seq INTEGER NOT NULL,
    base_loc TEXT NOT NULL, penalizes TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL, vector BLOB NOT NULL,
    tokens TEXT);
CREATE INDEX IF NOT EXISTS units_by_loc ON units (fingerprint, base_loc);
CREATE INDEX IF NOT EXISTS units_by_seq ON units (fingerprint, seq);
CREATE TABLE IF NOT EXISTS windows (id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
    seq INTEGER NOT NULL, vector BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS windows_by_fp ON windows (fingerprint, seq);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StoreError(Exception):
    """The unit database cannot be opened or read; the message says which file and why."""


@dataclass
class StoredUnit:
    """A unit as read back from the store."""

    id: str
    text: str
    meta: dict

    @property
    def doc(self) -> DocMeta:
        return doc_from_metadata(self.meta)

    @property
    def search_text(self) -> str:
        """What lexical search sees: the unit in its context (document title, chapter path), then its text."""
        return search_text({**self.meta, "text": self.text})


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).reshape(-1).tobytes()


def _marks(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


class Store:
    """Units of every document, embedded in one space; only registered fingerprints are live."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._matrix: tuple[tuple, DenseMatrix] | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes creating the file at once raced on switching it to WAL ("database is locked", which the
        # busy timeout does not cover): setting up is serialised by a lock file beside it.
        with (path.parent / f"{path.name}.setup-lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._set_up()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"单元数据库 {path} 无法打开：{exc}（可运行 angui doctor 检查）") from exc

    def _set_up(self) -> None:
        """WAL mode (kept in the file), the tables and the state rows, when the file lacks them."""
        db = self._db()
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        ready = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'state'").fetchall() and \
            db.execute("SELECT count(*) FROM state WHERE key IN ('index_id', 'generation')").fetchone()[0] == 2
        if not ready:  # a reader of a complete database writes nothing
            db.executescript(_SCHEMA)
            with self._transaction() as tx:
                tx.execute("INSERT OR IGNORE INTO state VALUES ('index_id', ?)", (uuid.uuid4().hex[:12],))
                tx.execute("INSERT OR IGNORE INTO state VALUES ('generation', '0')")

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (WAL: readers never wait for the writer)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once, so two writers queue rather than deadlock), rolled back on any error."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
                db.execute("ROLLBACK")
            raise

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        try:
            return self._db().execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"单元数据库 {self.path} 读取失败：{exc}（请运行 angui doctor）") from exc

    def state(self, key: str) -> str:
        rows = self._rows("SELECT value FROM state WHERE key = ?", (key,))
        return rows[0][0] if rows else ""

    @property
    def index_id(self) -> str:
        """A random id given to this index when it was created (names its derived Chroma collections)."""
        return self.state("index_id")

    def generation(self) -> int:
        """Bumped by every write: a long-lived reader compares it to know when to re-read."""
        return int(self.state("generation") or 0)

    def documents(self) -> dict[str, dict]:
        """Live documents: doc_key -> registry record (DocMeta fields, units, ingested_at)."""
        return {k: json.loads(r) for k, r in self._rows("SELECT doc_key, record FROM documents ORDER BY doc_key")}

    def live_fingerprints(self) -> list[str]:
        """Fingerprints of the live version of every document."""
        return [f for (f,) in self._rows("SELECT fingerprint FROM documents ORDER BY fingerprint")]

    def is_current(self, doc: DocMeta) -> bool:
        """True when this exact version of the document is already live."""
        return bool(self._rows("SELECT 1 FROM documents WHERE doc_key = ? AND fingerprint = ?",
                               (doc.doc_key, doc.fingerprint)))

    def key_of(self, fingerprint: str) -> str | None:
        """The document already live with this exact content, if any."""
        rows = self._rows("SELECT doc_key FROM documents WHERE fingerprint = ?", (fingerprint,))
        return rows[0][0] if rows else None

    def write_document(self, doc: DocMeta, units: Sequence[Unit], vectors: np.ndarray,
                       windows: Sequence[Window] = (), tokens: Sequence[str] | None = None) -> None:
        """Make a document version live in one transaction, replacing the previous version."""
        ids = [unit_id(doc.fingerprint, u.loc) for u in units]
        rows = [(i, doc.fingerprint, n, m["base_loc"], m["penalizes"], u.text, json.dumps(m, ensure_ascii=False),
                 _blob(v), t)
                for n, (i, u, m, v, t) in enumerate(zip(ids, units, [unit_metadata(doc, u) for u in units], vectors,
                                                        tokens or [None] * len(units), strict=True))]
        seen: dict[int, int] = {}
        wrows = []
        for n, (index, vec) in enumerate(windows):
            seen[index] = seen.get(index, 0) + 1
            wrows.append((f"{ids[index]}#w{seen[index]}", ids[index], doc.fingerprint, n, _blob(vec)))
        record = {**asdict(doc), "units": len(units), "ingested_at": time.strftime("%Y-%m-%d %H:%M:%S")}
        with self._transaction() as db:
            old = [f for (f,) in db.execute("SELECT fingerprint FROM documents WHERE doc_key = ?", (doc.doc_key,))]
            db.executemany("INSERT OR REPLACE INTO units VALUES (?,?,?,?,?,?,?,?,?)", rows)
            db.executemany("INSERT OR REPLACE INTO windows VALUES (?,?,?,?,?)", wrows)
            db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?)",
                       (doc.doc_key, doc.fingerprint, json.dumps(record, ensure_ascii=False)))
            self._drop_versions(db, [f for f in old if f != doc.fingerprint])
            db.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")

    def relabel(self, doc: DocMeta, metas: dict[str, dict], tokens: dict[str, str]) -> None:
        """Give a live document version new document metadata (a catalog edit: title, edition, status…) in one
        transaction: its registry record, each unit's metadata and lexical tokens; vectors stay as they are."""
        with self._transaction() as db:
            (record,) = db.execute("SELECT record FROM documents WHERE doc_key = ? AND fingerprint = ?",
                                   (doc.doc_key, doc.fingerprint)).fetchone()
            db.execute("UPDATE documents SET record = ? WHERE doc_key = ?",
                       (json.dumps({**json.loads(record), **asdict(doc)}, ensure_ascii=False), doc.doc_key))
            db.executemany("UPDATE units SET meta = ?, tokens = ? WHERE id = ?",
                           [(json.dumps(m, ensure_ascii=False), tokens[i], i) for i, m in metas.items()])
            db.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")

    @staticmethod
    def _drop_versions(db: sqlite3.Connection, fingerprints: Sequence[str]) -> None:
        for table in ("units", "windows"):
            db.execute(f"DELETE FROM {table} WHERE fingerprint IN ({_marks(fingerprints)})", list(fingerprints))

    def remove(self, doc_key: str) -> int:
        """Delete a document with its units and windows; returns how many units went."""
        with self._transaction() as db:
            fps = [f for (f,) in db.execute("SELECT fingerprint FROM documents WHERE doc_key = ?", (doc_key,))]
            n = db.execute(f"SELECT count(*) FROM units WHERE fingerprint IN ({_marks(fps)})", fps).fetchone()[0]
            db.execute("DELETE FROM documents WHERE doc_key = ?", (doc_key,))
            self._drop_versions(db, fps)
            db.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")
        return n

    def _units(self, where: str, args: Sequence) -> list[StoredUnit]:
        rows = self._rows(f"SELECT id, text, meta FROM units WHERE {where}", args)
        return [StoredUnit(i, t, json.loads(m)) for i, t, m in rows]

    def iter_units(self) -> Iterator[StoredUnit]:
        """Every live unit (text and metadata), document by document in reading order."""
        for fp in self.live_fingerprints():
            yield from self.units_of(fp)

    def units_of(self, fingerprint: str) -> list[StoredUnit]:
        """The units of one document version, in reading order."""
        return self._units("fingerprint = ? ORDER BY seq", (fingerprint,))

    def get(self, ids: Sequence[str]) -> list[StoredUnit]:
        """Units by id, in the order asked (ids no longer stored are left out)."""
        by_id: dict[str, StoredUnit] = {}
        for i in range(0, len(ids), PAGE):
            chunk = list(ids[i : i + PAGE])
            by_id.update((u.id, u) for u in self._units(f"id IN ({_marks(chunk)})", chunk))
        return [by_id[i] for i in ids if i in by_id]

    def units_at(self, fingerprints: Sequence[str], base_loc: str) -> list[StoredUnit]:
        """Every part of the provision at `base_loc` in the given document versions."""
        fps = list(fingerprints)
        return self._units(f"fingerprint IN ({_marks(fps)}) AND base_loc = ? ORDER BY fingerprint, seq", [*fps, base_loc])

    def penalty_links(self, live: Sequence[str]) -> dict[tuple[str, str], list[str]]:
        """(fingerprint, obligation base loc) -> ids of the live penalty units that punish it."""
        fps = list(live)
        rows = self._rows(f"SELECT id, fingerprint, penalizes FROM units WHERE fingerprint IN ({_marks(fps)}) "
                          "AND penalizes != '' ORDER BY fingerprint, seq", fps)
        links: dict[tuple[str, str], list[str]] = {}
        for i, fp, penalizes in rows:
            for loc in filter(None, penalizes.split(",")):
                links.setdefault((fp, loc), []).append(i)
        return links

    def tokens(self, live: Sequence[str]) -> Iterator[tuple[StoredUnit, str | None]]:
        """Live units with their stored lexical tokens (encoded, or None when never tokenized)."""
        for fp in live:
            for i, t, m, tok in self._rows("SELECT id, text, meta, tokens FROM units WHERE fingerprint = ? ORDER BY seq",
                                           (fp,)):
                yield StoredUnit(i, t, json.loads(m)), tok

    def put_tokens(self, items: dict[str, str]) -> None:
        """Store encoded lexical tokens for units (after a tokenizer change, or when a stored value was bad)."""
        with self._transaction() as db:
            db.executemany("UPDATE units SET tokens = ? WHERE id = ?", [(t, i) for i, t in items.items()])

    def vectors(self, table: str, live: Sequence[str]) -> Iterator[tuple[str, str, str, bytes]]:
        """(row id, unit id, fingerprint, vector bytes) of the live units or windows, in a stable order."""
        unit = "id" if table == "units" else "unit_id"
        for fp in live:
            yield from self._rows(f"SELECT id, {unit}, fingerprint, vector FROM {table} WHERE fingerprint = ? "
                                  "ORDER BY seq", (fp,))

    def count(self, table: str) -> int:
        return self._rows(f"SELECT count(*) FROM {table}")[0][0]

    def integrity(self) -> str:
        """SQLite's own check of the file: 'ok' or what is damaged."""
        return "; ".join(r[0] for r in self._rows("PRAGMA quick_check"))

    def unit_counts(self) -> dict[str, int]:
        """Stored units per document version (fingerprint)."""
        return dict(self._rows("SELECT fingerprint, count(*) FROM units GROUP BY fingerprint"))

    def vector_sizes(self) -> dict[int, int]:
        """Vector byte lengths over units and windows -> how many have each (one entry when all agree)."""
        rows = self._rows("SELECT length(vector), count(*) FROM (SELECT vector FROM units UNION ALL "
                          "SELECT vector FROM windows) GROUP BY length(vector)")
        return dict(rows)

    def stray_rows(self) -> tuple[int, int]:
        """(units of no registered version, windows whose unit is gone): what no write leaves behind."""
        units = self._rows("SELECT count(*) FROM units WHERE fingerprint NOT IN (SELECT fingerprint FROM documents)")
        windows = self._rows("SELECT count(*) FROM windows WHERE unit_id NOT IN (SELECT id FROM units)")
        return units[0][0], windows[0][0]

    def delete_strays(self) -> None:
        """Remove the rows `stray_rows` counts, in one transaction."""
        with self._transaction() as db:
            db.execute("DELETE FROM units WHERE fingerprint NOT IN (SELECT fingerprint FROM documents)")
            db.execute("DELETE FROM windows WHERE unit_id NOT IN (SELECT id FROM units)")
            db.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")

    def _dense(self, live: Sequence[str]) -> DenseMatrix | None:
        """The in-memory matrix of the live vectors (reloaded when the live versions change), or None when
        there are too many vectors for exact search."""
        key = (self.generation(), *sorted(live))  # a remove and re-ingest of the same content bumps the generation
        if self._matrix is None or self._matrix[0] != key:
            if self.count("units") + self.count("windows") > EXACT_LIMIT:
                return None
            ids, own, blobs = [], [], []
            for table in ("units", "windows"):
                for _, uid, _, vec in self.vectors(table, key[1:]):
                    ids.append(uid)
                    own.append(table == "units")
                    blobs.append(vec)
            matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1) if blobs else \
                np.zeros((0, 0), dtype=np.float32)
            self._matrix = key, DenseMatrix(ids, np.asarray(own, dtype=bool), matrix)
        return self._matrix[1]

    def query(self, vector: np.ndarray, k: int, live: set[str], fallback=None) -> tuple[list[tuple[StoredUnit, float]], float]:
        """Nearest live units to a query vector by their best vector (own or window), with cosine similarity,
        and the best cosine of the units' own vectors (what the answer gate is calibrated on).

        Exact in memory up to `EXACT_LIMIT` vectors; past it, `fallback(vector, k, live)` (Chroma's HNSW)
        gives (unit id, cosine) pairs and that top cosine.
        """
        if not live:
            return [], 0.0
        matrix = self._dense(sorted(live))
        if matrix is not None:
            found, unit_top = matrix.search(vector, k)
        elif fallback is not None:
            found, unit_top = fallback(vector, k, live)
        else:
            return [], 0.0
        units = {u.id: u for u in self.get([i for i, _ in found])}
        return [(units[i], c) for i, c in found if i in units], unit_top
