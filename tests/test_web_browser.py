"""The page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) against `angui serve`
on 127.0.0.1: the token prompt, a question with a clickable citation, a checklist downloaded as Word, the other desk
tabs, an admin upload, and a phone-sized screen. Screenshots go to test-output/screens/ (not committed)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from docx import Document
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from web_helpers import ADMIN, OUTPUT, READER, bearer, served

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
QUESTION = "有限空间作业前要做什么检测？"
WAIT_S = 30
SCREENS = OUTPUT / "screens"
HOSTILE = '<img src=x onerror="window.__pwned=1">'

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (make test installs them)")


@pytest.fixture(scope="module")
def base(knowledge_copy):
    with served(knowledge_copy, knowledge_copy.parent) as url:
        yield url


@pytest.fixture()
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900", "--lang=zh-CN"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    SCREENS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = WAIT_S):
    return WebDriverWait(driver, timeout).until(condition)


def css(driver, selector: str):
    return driver.find_element(By.CSS_SELECTOR, selector)


def visible(selector: str):
    return ec.visibility_of_element_located((By.CSS_SELECTOR, selector))


def enter(driver, base: str, token: str) -> None:
    driver.get(base + "/")
    wait(driver, visible("#token-input")).send_keys(token)
    css(driver, "#token-ok").click()
    wait(driver, visible("#question"))


def shot(driver, name: str) -> None:
    assert driver.save_screenshot(str(SCREENS / f"{name}.png"))


def test_the_token_prompt_blocks_a_visitor_without_a_token(browser, base):
    browser.get(base + "/")
    wait(browser, visible("#token-gate"))
    assert not css(browser, "#app").is_displayed() and not css(browser, "#question").is_displayed()
    shot(browser, "01-token-prompt")
    css(browser, "#token-input").send_keys("guessed-token-123")
    css(browser, "#token-ok").click()
    error = wait(browser, visible("#token-error"))
    assert "口令无效" in error.text and not css(browser, "#app").is_displayed()
    assert browser.execute_script("return document.querySelectorAll('#docs-table tbody tr').length") == 0


def test_ask_then_click_a_citation_to_read_its_full_text(browser, base):
    cited = httpx.post(base + "/api/ask", json={"question": QUESTION}, headers=bearer(READER)).json()["citations"]
    enter(browser, base, READER)
    css(browser, "#question").send_keys(QUESTION)
    css(browser, "#ask-btn").click()
    wait(browser, visible("#answer-body a.cite")).click()
    wait(browser, lambda d: cited[0]["text"][:30] in css(d, "#source-text").text)
    assert css(browser, "#source-title").text == f"《{cited[0]['doc']}》"
    assert css(browser, "#source-loc").text == cited[0]["loc"] and css(browser, "#source-badge").text == cited[0]["status"]
    shot(browser, "02-answer-with-source")
    css(browser, "#vote-up").click()
    wait(browser, lambda d: "已记录" in css(d, "#vote-status").text)
    assert QUESTION in css(browser, "#history").text
    browser.set_window_size(390, 844)  # a phone: the source opens as a sheet over the answer
    browser.refresh()
    wait(browser, visible("#history a")).click()
    wait(browser, visible("#answer-body a.cite")).click()
    panel = wait(browser, visible("#source"))
    wait(browser, lambda d: cited[0]["text"][:30] in css(d, "#source-text").text)
    assert panel.size["width"] <= 390 and browser.execute_script("return document.documentElement.scrollWidth") <= 400
    shot(browser, "03-phone-answer-with-source")


def test_generate_a_checklist_and_download_it_as_word(browser, base):
    enter(browser, base, READER)
    css(browser, "#tabs button[data-view=checklist]").click()
    css(browser, "#cl-topic").send_keys("有限空间")
    css(browser, "#cl-go").click()
    wait(browser, lambda d: d.execute_script("return document.querySelectorAll('#checklist-result tbody tr').length") >= 3)
    first_item = browser.execute_script("return document.querySelector('#checklist-result tbody tr td:nth-child(2)').textContent")
    shot(browser, "04-checklist")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})  # what a printout shows
    assert not css(browser, "header.top").is_displayed() and not css(browser, "#checklist-docx").is_displayed()
    assert css(browser, "#checklist-result table").is_displayed()
    shot(browser, "04-checklist-print")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    wait(browser, visible("#checklist-docx")).click()
    files = wait(browser, lambda d: [p for p in d.downloads.iterdir() if p.suffix == ".docx"])
    time.sleep(0.5)  # the file is renamed from .crdownload once complete
    assert files[0].name == "检查表-有限空间.docx"
    cells = [c.text for t in Document(str(files[0])).tables for r in t.rows for c in r.cells]
    assert any(first_item[:20] in c for c in cells)


def test_quiz_outline_diff_and_documents_tabs(browser, base):
    enter(browser, base, READER)
    for view, field, value, shown in (("quiz", "topic", "有限空间", "#quiz-result ol li"),
                                      ("outline", "topic", "粉尘涉爆", "#outline-result h3"),
                                      ("diff", "document", "应急预案管理办法", "#diff-result .change ins")):
        css(browser, f"#tabs button[data-view={view}]").click()
        css(browser, f"#view-{view} input[name={field}]").send_keys(value)
        css(browser, f"#view-{view} button[type=submit]").click()
        wait(browser, visible(shown))
        shot(browser, f"05-{view}")
    css(browser, "#tabs button[data-view=docs]").click()
    wait(browser, lambda d: d.execute_script("return document.querySelectorAll('#docs-table tbody tr').length") == 18)
    assert "18 个文档" in css(browser, "#docs-summary").text
    shot(browser, "06-documents")
    assert not css(browser, "#tab-upload").is_displayed()  # a reader gets no upload tab


def test_an_admin_uploads_a_document_with_a_progress_indicator(browser, base, tmp_path):
    upload = tmp_path / "冷库氨制冷安全规定.txt"
    upload.write_text("第一条 本规定适用于冷库氨制冷作业。\n第二条 氨制冷机房应当设置氨气浓度报警装置。\n"
                      f"第三条 氨制冷机房的应急喷淋装置应当每周检查一次。{HOSTILE}\n", encoding="utf-8")
    enter(browser, base, ADMIN)
    wait(browser, visible("#tab-upload")).click()
    css(browser, "#up-file").send_keys(str(upload))
    css(browser, "#up-go").click()
    wait(browser, lambda d: "知识库现有 19 个文档" in css(d, "#up-status").text, 120)
    assert "冷库氨制冷安全规定" in css(browser, "#up-status").text
    shot(browser, "07-upload")
    css(browser, "#tabs button[data-view=docs]").click()
    wait(browser, lambda d: "冷库氨制冷安全规定" in css(d, "#docs-table").text)
    css(browser, "#tabs button[data-view=ask]").click()  # markup inside a document is shown as text, never run
    css(browser, "#question").send_keys("氨制冷机房的应急喷淋装置多久检查一次？")
    css(browser, "#ask-btn").click()
    wait(browser, visible("#citations a.cite"))
    next(a for a in browser.find_elements(By.CSS_SELECTOR, "#citations a.cite") if "冷库氨制冷安全规定" in a.text).click()
    wait(browser, lambda d: HOSTILE in css(d, "#source-text").text)
    assert browser.execute_script("return window.__pwned") is None
    assert not browser.execute_script("return document.querySelector('#answer img, #source img')")
