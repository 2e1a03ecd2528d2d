"""Ingest end to end: units in the store, unchanged re-runs, replacement, bad inputs, crashes."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from helpers import CATALOG, KNOWLEDGE, SEED, cli_env, ingest_into, open_kb, open_service, run_cli, text_pdf, written


def _units(index: Path) -> dict[str, dict]:
    """loc -> metadata of every live unit."""
    return {u.meta["loc"]: u.meta for u in open_kb(index).store.iter_units()}


def test_seed_document_points_rows_and_metadata(seed_index):
    units = _units(seed_index)
    points = [loc for loc, m in units.items() if m["kind"] == "point"]
    rows = [loc for loc, m in units.items() if m["kind"] == "row"]
    assert set(points) == set("一二三四五六七八九十")
    assert len(rows) == 18
    docs = open_kb(seed_index).store.documents()
    (meta,) = docs.values()
    assert meta["title"] == "2022年雨花区工贸行业安全生产监督管理工作要点"
    assert meta["status"] == "现行" and meta["edition"] == "2022-03-15"
    assert meta["units"] == len(units)


def test_row_four_keeps_its_fields_together(seed_index):
    kb = open_kb(seed_index)
    row = next(u for u in kb.store.iter_units() if u.meta["loc"] == "附件 第4项")
    for label in ("牵头单位：", "落实单位：", "完成时限：按市局规定时限推进", "粉尘涉爆、有限空间重大隐患6月份清零"):
        assert label in row.text


def test_unchanged_rerun_embeds_nothing(seed_copy):
    report = ingest_into(seed_copy, SEED)
    assert report.embedded == 0
    assert [f.status for f in report.files] == ["unchanged"]


def test_changed_file_replaces_units_and_keeps_ids_stable(seed_copy, tmp_path):
    doc = tmp_path / "规定.txt"
    doc.write_text("第一条 为了测试，制定本规定。\n第二条 企业应当每月检查一次灭火器。\n", encoding="utf-8")
    ingest_into(seed_copy, doc)
    first = {u.id for u in open_kb(seed_copy).store.iter_units() if u.meta["doc_key"] == "规定.txt"}
    assert len(first) == 2
    doc.write_text("第一条 为了测试，制定本规定。\n第二条 企业应当每周检查一次灭火器。\n第三条 本规定自公布之日起施行。\n",
                   encoding="utf-8")
    report = ingest_into(seed_copy, doc)
    assert report.embedded == 2  # 第一条 is unchanged, so its vector comes from the cache
    units = [u for u in open_kb(seed_copy).store.iter_units() if u.meta["doc_key"] == "规定.txt"]
    assert sorted(u.meta["loc"] for u in units) == ["第一条", "第三条", "第二条"]
    assert any("每周" in u.text for u in units) and not any("每月" in u.text for u in units)
    assert first.isdisjoint({u.id for u in units})
    assert open_kb(seed_copy).store.count("units") == len(_units(seed_copy))  # old units gone


def test_bad_inputs_are_reported_with_exit_2_and_nothing_is_lost(seed_copy, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "random.pdf").write_bytes(os.urandom(2048))
    (bad / "notzip.docx").write_bytes(b"this is not a zip file")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "blank.md").write_text(" \n\t\n  ", encoding="utf-8")
    pdf = text_pdf("Article 21 work safety")
    (bad / "truncated.pdf").write_bytes(pdf[: len(pdf) * 2 // 3])
    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    (bad / "locked.pdf").write_bytes(written(locked))
    with zipfile.ZipFile(bad / "nodoc.docx", "w") as zf:
        zf.writestr("hello.txt", "no word document here")
    (bad / "good.txt").write_text("第一条 生产经营单位应当设置安全警示标志。\n", encoding="utf-8")
    before = _units(seed_copy)
    proc = run_cli("ingest", str(bad), "--index", str(seed_copy))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    reasons = {"empty.txt": "空文件", "random.pdf": "PDF 文件损坏", "notzip.docx": "不是有效的 DOCX",
               "binary.txt": "二进制", "blank.md": "空白", "truncated.pdf": "不完整", "locked.pdf": "加密",
               "nodoc.docx": "word/document.xml"}
    lines = proc.stdout.splitlines()
    for name, reason in reasons.items():
        assert any(name in line and reason in line and "已跳过" in line for line in lines), (name, proc.stdout)
    assert "已跳过" in out and "good.txt：1 个单元" in out
    after = _units(seed_copy)
    assert set(before) < set(after)


def test_oversized_file_is_skipped(seed_copy, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("第一条 内容。\n" * 20000, encoding="utf-8")
    proc = run_cli("ingest", str(big), "--index", str(seed_copy), env=cli_env(ANGUI_MAX_FILE_MB="0.1"))
    assert proc.returncode == 2
    assert "big.txt" in proc.stdout and "ANGUI_MAX_FILE_MB" in proc.stdout


def test_remove_and_stats(seed_copy, tmp_path):
    doc = tmp_path / "临时规定(2020-01-01).txt"
    doc.write_text("第一条 临时内容。\n", encoding="utf-8")
    ingest_into(seed_copy, doc)
    stats = run_cli("stats", "--index", str(seed_copy)).stdout
    assert "临时规定" in stats and "2020-01-01" in stats and "现行" in stats
    proc = run_cli("remove", doc.name, "--index", str(seed_copy))
    assert proc.returncode == 0, proc.stderr
    assert "临时规定" not in run_cli("stats", "--index", str(seed_copy)).stdout
    assert run_cli("remove", "没有这个文件.txt", "--index", str(seed_copy)).returncode == 2


def test_lexical_search_folds_full_width(seed_copy, tmp_path):
    doc = tmp_path / "高处.txt"
    doc.write_text("第一条 作业高度超过８０ｍ时应当设置防坠落设施。\n", encoding="utf-8")
    ingest_into(seed_copy, doc)
    kb = open_kb(seed_copy)
    hits = kb.lexical().search("80m 防坠落", 3)
    top = kb.store.get([hits[0][0]])[0]
    assert "８０ｍ" in top.text


def test_unsupported_file_named_explicitly(seed_copy, tmp_path):
    odd = tmp_path / "notes.xyz"
    odd.write_text("hello", encoding="utf-8")
    proc = run_cli("ingest", str(odd), "--index", str(seed_copy))
    assert proc.returncode == 2 and "notes.xyz" in proc.stdout


def test_catalog_overrides_file_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(CATALOG, tmp_path / "catalog.toml")
    (tmp_path / "catalog.toml").write_text(
        '[[document]]\nfile = "办法(2016原文,已修订).txt"\ntitle = "某某办法"\nstatus = "已废止"\n', encoding="utf-8")
    doc = src / "办法(2016原文,已修订).txt"
    doc.write_text("第一条 测试。\n", encoding="utf-8")
    from angui.ingest.pipeline import ingest_paths

    kb = open_kb(tmp_path / "idx", catalog=tmp_path / "catalog.toml")
    ingest_paths(kb, [src], echo=lambda s: None, show_progress=False)
    (meta,) = kb.store.documents().values()
    assert (meta["title"], meta["status"], meta["edition"]) == ("某某办法", "已废止", "2016原文")


def test_a_catalog_edit_relabels_an_unchanged_file_without_embedding(tmp_path):
    from angui.ingest.pipeline import ingest_paths

    rule = KNOWLEDGE / "rules" / "工贸企业粉尘防爆安全规定(2021).md"
    catalog = tmp_path / "catalog.toml"
    shutil.copy(CATALOG, catalog)
    kb = open_kb(tmp_path / "idx", catalog=catalog)
    ingest_paths(kb, [rule], echo=lambda s: None, show_progress=False)
    service = open_service(tmp_path / "idx", catalog=catalog)
    question = "粉尘防爆安全规定第二十三条"
    assert service.ask(question).citations[0].status == "现行"
    old = catalog.read_text(encoding="utf-8")
    entry = ('title = "工贸企业粉尘防爆安全规定"\ndoc_no = "应急管理部令第6号"\nissuer = "应急管理部"\n'
             'edition = "2021-07-25"\nstatus = "现行"')
    assert entry in old
    catalog.write_text(old.replace(entry, entry.replace('status = "现行"', 'status = "已废止"')
                                   .replace("edition = \"2021-07-25\"", "edition = \"2021-07-25（试）\"")), encoding="utf-8")
    generation = kb.store.generation()
    report = ingest_paths(open_kb(tmp_path / "idx", catalog=catalog), [rule], echo=lambda s: None, show_progress=False)
    (result,) = report.files
    assert result.status == "unchanged" and "版本、状态" in result.reason and report.embedded == 0
    assert kb.store.generation() == generation + 1
    (record,) = kb.store.documents().values()
    assert (record["status"], record["edition"]) == ("已废止", "2021-07-25（试）")
    assert {u.meta["status"] for u in kb.store.iter_units()} == {"已废止"}
    cited = service.ask(question).citations[0]  # the long-lived service sees the new labels
    assert (cited.status, cited.edition) == ("已废止", "2021-07-25（试）")
    again = ingest_paths(open_kb(tmp_path / "idx", catalog=catalog), [rule], echo=lambda s: None, show_progress=False)
    assert again.files[0].status == "unchanged" and again.files[0].reason == "" and kb.store.generation() == generation + 1


def test_editions_and_status_from_names_and_catalog():
    from angui.ingest.loaders import load
    from angui.ingest.metadata import build_meta, load_catalog

    catalog = load_catalog(CATALOG)
    rules = KNOWLEDGE / "rules"
    new = build_meta(p := rules / "生产安全事故应急预案管理办法(2019修正).md", load(p), catalog)
    old = build_meta(p := rules / "生产安全事故应急预案管理办法(2016原文,已修订).txt", load(p), catalog)
    gone = build_meta(p := rules / "工贸行业重大生产安全事故隐患判定标准(2017版,已废止).txt", load(p), catalog)
    law = build_meta(p := KNOWLEDGE / "laws" / "安全生产法(2021-06-10).md", load(p), {})
    assert (new.status, new.edition, old.status, old.edition) == ("现行", "2019修正", "已修订", "2016原文")
    assert new.family == old.family and new.doc_key != old.doc_key
    assert gone.status == "已废止" and gone.edition == "2017版"
    assert (law.title, law.edition, law.status, law.family) == ("中华人民共和国安全生产法", "2021-06-10", "现行", "安全生产法")


def test_pdf_units_keep_their_page(seed_copy, tmp_path):
    pdf = tmp_path / "rules.pdf"
    pdf.write_bytes(text_pdf("Confined space work needs ventilation before entry"))
    ingest_into(seed_copy, pdf)
    units = [u for u in open_kb(seed_copy).store.iter_units() if u.meta["doc_key"] == "rules.pdf"]
    assert units and all(u.meta["page"] == 1 for u in units)
    assert "ventilation" in units[0].text


def test_stats_links_editions(tmp_path):
    rules = KNOWLEDGE / "rules"
    index = tmp_path / "idx"
    ingest_into(index, rules / "生产安全事故应急预案管理办法(2016原文,已修订).txt")
    src = tmp_path / "src"
    src.mkdir()
    (src / "生产安全事故应急预案管理办法(2019修正).md").write_text(
        "# 生产安全事故应急预案管理办法\n\n## 第一条\n\n为规范应急预案管理工作，制定本办法。\n", encoding="utf-8")
    ingest_into(index, src)
    out = run_cli("stats", "--index", str(index)).stdout
    rows = {cells[2]: cells for x in out.splitlines() if len(cells := [c.strip() for c in x.split("│")]) > 5}
    assert rows["2016原文"][3] == "已修订" and rows["2016原文"][4] == "2019修正（现行）"
    assert rows["2019修正"][3] == "现行" and rows["2019修正"][4] == "2016原文（已修订）"


def test_new_embedding_window_replaces_vectors(seed_copy):
    from angui.ingest.pipeline import ingest_paths

    before = {u.id for u in open_kb(seed_copy).store.iter_units()}
    kb = open_kb(seed_copy, embed_max_chars=100)
    report = ingest_paths(kb, [SEED], echo=lambda s: None, show_progress=False)
    assert [f.status for f in report.files] == ["ok"] and report.embedded > 0
    after = {u.id for u in kb.store.iter_units()}
    assert len(after) == len(before) and after.isdisjoint(before)
