// 安规助手 page: plain JavaScript over the JSON API (no build step, no CDN). The token stays in localStorage.
"use strict";

const TOKEN_KEY = "angui.token";
const HISTORY_KEY = "angui.history";
const MAX_HISTORY = 30;
const BASIS = "\n\n依据：\n";
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
let session = null;
let current = null; // the answer shown, for votes
const desk = {}; // kind -> {body, endpoint} of the last result, for downloads

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + (localStorage.getItem(TOKEN_KEY) || "") }, options.headers || {});
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, { method: options.method || "GET", headers, body: options.body });
  if (response.status === 401) { lock("口令无效或已失效，请重新输入。"); throw new ApiError("需要访问口令。", 401); }
  if (!response.ok) {
    let message = "请求失败（HTTP " + response.status + "）。";
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new ApiError(message, response.status);
  }
  return response;
}

function showError(el, error) {
  el.textContent = error instanceof Error ? error.message : String(error);
  el.hidden = false;
}

// ---- token gate ----
function lock(message, keepToken = false) {
  if (!keepToken) localStorage.removeItem(TOKEN_KEY);
  $("#app").hidden = true;
  $("#token-gate").hidden = false;
  const err = $("#token-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("#token-input").focus();
}

async function unlock() {
  try {
    session = await (await api("/api/session")).json();
  } catch (e) {
    if (e.status !== 401) lock(e.message + "（请稍后重试）", true); // a busy or unreachable server keeps the token
    return;
  }
  $("#token-gate").hidden = true;
  $("#app").hidden = false;
  $("#tab-upload").hidden = !session.admin;
  const select = $("#cl-industry");
  select.length = 1;
  for (const name of session.industries) select.add(new Option(name, name));
  renderHistory();
  $("#question").focus();
}

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem(TOKEN_KEY, $("#token-input").value.trim());
  unlock();
});
$("#logout").addEventListener("click", () => lock(""));

// ---- tabs ----
function show(view) {
  $$("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  $$(".view").forEach((v) => v.classList.toggle("active", v.id === "view-" + view));
  if (view === "docs") loadDocuments();
}
$$("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));

// ---- the cited unit beside the answer ----
function markQuote(text, quote) {
  let html = escapeHtml(text);
  for (const part of (quote || "").split("\n").filter((p) => p.length > 1)) {
    const safe = escapeHtml(part);
    html = html.split(safe).join("<mark>" + safe + "</mark>");
  }
  return html;
}

async function openSource(citation) {
  const panel = $("#source");
  panel.hidden = false;
  $("#source-title").textContent = "《" + citation.doc + "》";
  $("#source-loc").textContent = citation.loc;
  $("#source-text").textContent = "正在读取原文…";
  try {
    const unit = await (await api("/api/units/" + encodeURIComponent(citation.id))).json();
    const badge = $("#source-badge");
    badge.textContent = unit.status;
    badge.classList.toggle("old", unit.status !== "现行");
    $("#source-edition").textContent = unit.edition || "";
    $("#source-path").textContent = [unit.doc_no, unit.path].filter(Boolean).join(" · ");
    $("#source-text").innerHTML = markQuote(unit.text, citation.quote);
  } catch (e) {
    $("#source-text").textContent = e.message;
  }
}
$("#source-close").addEventListener("click", () => { $("#source").hidden = true; });

function citeLinks(html, citations) {
  return html.replace(/\[(\d+)\]/g, (whole, n) => (citations[n - 1] ? '<a class="cite" href="#" data-n="' + n + '">[' + n + "]</a>" : whole));
}

function bindCites(root, citations) {
  $$("a.cite", root).forEach((a) => a.addEventListener("click", (event) => {
    event.preventDefault();
    openSource(citations[a.dataset.n - 1]);
  }));
}

// ---- questions ----
function renderAnswer(answer) {
  current = answer;
  const body = answer.answer.split(BASIS)[0];
  const box = $("#answer-body");
  box.innerHTML = body.split("\n").map((line) => "<p>" + citeLinks(escapeHtml(line), answer.citations) + "</p>").join("");
  bindCites(box, answer.citations);
  const warn = $("#answer-warnings");
  warn.hidden = !answer.warnings.length;
  warn.textContent = answer.warnings.length ? "注意：" + answer.warnings.join("；") : "";
  const list = $("#citations");
  list.innerHTML = answer.citations.map((c) => {
    const status = c.status === "现行" ? "" : "【" + escapeHtml(c.status) + "】";
    const quote = c.quote ? '<span class="quote">' + escapeHtml(c.quote.split("\n")[0].slice(0, 120)) + "</span>" : "";
    return '<li><a class="cite" href="#" data-n="' + c.n + '">《' + escapeHtml(c.doc) + "》" +
      escapeHtml(c.edition ? "(" + c.edition + ") " : " ") + escapeHtml(c.loc) + status + "</a>" + quote + "</li>";
  }).join("");
  bindCites(list, answer.citations);
  $$(".vote").forEach((b) => b.classList.remove("chosen"));
  $("#vote-status").textContent = "";
  $(".votes").hidden = !answer.found;
  $("#answer").hidden = false;
}

function sseEvent(block) {
  // one server-sent event as the API writes it: `event: NAME` and one line of JSON data
  return { name: (block.match(/^event: (.*)$/m) || [])[1], data: JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "{}") };
}

async function streamAnswer(question) {
  // LLM mode: the reply streams as server-sent events (`token`, then the verified `answer`)
  const response = await api("/api/ask", { method: "POST", json: { question, stream: true } });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", written = "", answer = null;
  $("#answer").hidden = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const { name: event, data } = sseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event === "token") { written += data.text; $("#answer-body").textContent = written; }
      if (event === "answer") answer = data;
      if (event === "error") throw new ApiError(data.error, 500);
    }
  }
  return answer;
}

$("#ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  const button = $("#ask-btn"), err = $("#ask-error");
  err.hidden = true;
  button.disabled = true;
  button.textContent = "检索中…";
  try {
    const answer = session && session.mode === "llm" ? await streamAnswer(question)
      : await (await api("/api/ask", { method: "POST", json: { question } })).json();
    renderAnswer(answer);
    remember(answer);
  } catch (e) {
    showError(err, e);
  } finally {
    button.disabled = false;
    button.textContent = "提问";
  }
});
$("#question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); $("#ask-form").requestSubmit(); }
});

$$(".vote").forEach((button) => button.addEventListener("click", async () => {
  if (!current) return;
  try {
    await api("/api/feedback", { method: "POST", json: { question: current.question, vote: button.dataset.vote,
      citations: current.citations.map((c) => ({ doc: c.doc, loc: c.loc })) } });
    $$(".vote").forEach((b) => b.classList.toggle("chosen", b === button));
    $("#vote-status").textContent = "谢谢，已记录。";
  } catch (e) {
    $("#vote-status").textContent = e.message;
  }
}));

// ---- history (this browser only) ----
function history() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
}
function remember(answer) {
  const items = history().filter((h) => h.question !== answer.question);
  items.unshift({ question: answer.question, answer, time: new Date().toISOString() });
  localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, MAX_HISTORY)));
  renderHistory();
}
function renderHistory() {
  const items = history();
  $("#history").innerHTML = items.length ? items.map((h, i) => '<li><a data-i="' + i + '">' + escapeHtml(h.question) + "</a></li>").join("")
    : "<li class=\"muted\">还没有提问。</li>";
  $$("#history a").forEach((a) => a.addEventListener("click", () => {
    const item = history()[a.dataset.i];
    $("#question").value = item.question;
    renderAnswer(item.answer);
  }));
}
$("#history-clear").addEventListener("click", () => { localStorage.removeItem(HISTORY_KEY); renderHistory(); });

// ---- desk tools ----
function citeCell(citation, index, list) {
  list.push(citation);
  const status = citation.status === "现行" ? "" : "【" + escapeHtml(citation.status) + "】";
  return '<a class="cite" href="#" data-n="' + list.length + '">《' + escapeHtml(citation.doc) + "》" + escapeHtml(citation.loc) + status + "</a>";
}

const renderers = {
  checklist(data, cites) {
    const rows = data.items.map((item, i) => "<tr><td>" + (i + 1) + "</td><td>" + escapeHtml(item.item) + "</td><td>" +
      escapeHtml(item.how || "—") + "</td><td>" + citeCell(item.citation, i, cites) + "</td></tr>").join("");
    return "<h2>自查检查表：" + escapeHtml(data.topic) + "</h2><p>共 " + data.items.length + " 项" + (data.industry ? "（" + escapeHtml(data.industry) + "）" : "") + "</p>" +
      '<div class="scroll"><table><thead><tr><th>序号</th><th>检查项目</th><th>要求 / 方法</th><th>依据</th></tr></thead><tbody>' + rows + "</tbody></table></div>";
  },
  quiz(data, cites) {
    const questions = data.questions.map((q, i) => "<li><p>" + escapeHtml(q.question) + "</p>" +
      (q.options.length ? "<ol type=\"A\">" + q.options.map((o) => "<li>" + escapeHtml(o) + "</li>").join("") + "</ol>" : "") + "</li>").join("");
    const key = data.questions.map((q, i) => "<li>" + escapeHtml(q.answer) + " — " + citeCell(q.citation, i, cites) + "</li>").join("");
    return "<h2>练习题：" + escapeHtml(data.topic) + "</h2><ol>" + questions + "</ol><details><summary>答案与依据</summary><ol>" + key + "</ol></details>";
  },
  outline(data, cites) {
    return "<h2>课程大纲：" + escapeHtml(data.topic) + "</h2>" + Object.entries(data.sections).filter(([, lines]) => lines.length).map(([name, lines]) => "<h3>" + escapeHtml(name) + "</h3><ul>" +
      lines.map((line, i) => "<li>" + escapeHtml(line.quote) + (line.note ? "（" + escapeHtml(line.note) + "）" : "") + " " +
        citeCell(line.citation, i, cites) + "</li>").join("") + "</ul>").join("");
  },
  diff(data) {
    const marked = (text) => escapeHtml(text).replace(/\[-([\s\S]*?)-\]/g, "<del>$1</del>").replace(/\{\+([\s\S]*?)\+\}/g, "<ins>$1</ins>");
    const counts = Object.entries(data.counts).map(([k, v]) => k + " " + v + " 条").join("，");
    return "<p>《" + escapeHtml(data.title) + "》" + escapeHtml(data.old.edition) + "（" + escapeHtml(data.old.status) + "）→ " +
      escapeHtml(data.current.edition) + "（现行）：" + counts + "，未变 " + data.unchanged + " 条。</p>" +
      data.changes.map((c) => '<div class="change"><strong>' + escapeHtml(c.kind + " " + (c.new_loc || c.old_loc)) + "</strong>" +
        '<div class="marked">' + marked(c.marked) + "</div></div>").join("");
  },
};

function deskRequest(kind, fields, format) {
  if (kind === "diff") {
    const query = new URLSearchParams({ document: fields.document, format });
    return ["/api/diff?" + query, { method: "GET" }];
  }
  const json = Object.assign({}, fields, { format });
  if (json.n !== undefined) json.n = Number(json.n);
  return ["/api/" + kind, { method: "POST", json }];
}

// each desk view: its form, then (added here) download buttons, an error line and the result
$$("form.desk").forEach((form) => form.insertAdjacentHTML("afterend", '<div class="downloads" hidden>' +
  '<button data-format="docx" id="' + form.dataset.kind + '-docx">下载 Word</button><button data-format="md">下载 Markdown</button>' +
  '</div><p class="error" hidden></p><div class="result" id="' + form.dataset.kind + '-result"></div>'));

$$("form.desk").forEach((form) => form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const kind = form.dataset.kind, view = form.closest(".view");
  const fields = Object.fromEntries(new FormData(form).entries());
  const err = $(".error", view), result = $(".result", view), downloads = $(".downloads", view);
  const button = $("button[type=submit]", form);
  err.hidden = true;
  downloads.hidden = true;
  result.innerHTML = '<p class="muted">正在生成…</p>';
  button.disabled = true;
  try {
    const [path, options] = deskRequest(kind, fields, "json");
    const data = await (await api(path, options)).json();
    const cites = [];
    result.innerHTML = renderers[kind](data, cites);
    bindCites(result, cites);
    desk[kind] = fields;
    downloads.hidden = false;
  } catch (e) {
    result.innerHTML = "";
    showError(err, e);
  } finally {
    button.disabled = false;
  }
}));

function fileName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = header.match(/filename\*=UTF-8''([^;]+)/);
  return match ? decodeURIComponent(match[1]) : fallback;
}

$$(".downloads button").forEach((button) => button.addEventListener("click", async () => {
  const view = button.closest(".view"), kind = view.id.replace("view-", "");
  if (!desk[kind]) return;
  try {
    const [path, options] = deskRequest(kind, desk[kind], button.dataset.format);
    const response = await api(path, options);
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName(response, "angui." + button.dataset.format);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    showError($(".error", view), e);
  }
}));

// ---- documents ----
async function loadDocuments() {
  try {
    const data = await (await api("/api/documents")).json();
    $("#docs-summary").textContent = "知识库现有 " + data.count + " 个文档，" + data.units + " 个可引用单元。";
    $("#docs-table tbody").innerHTML = data.documents.map((d) => "<tr><td>" + escapeHtml(d.title) + "</td><td>" + escapeHtml(d.edition) +
      '</td><td><span class="badge' + (d.status === "现行" ? "" : " old") + '">' + escapeHtml(d.status) + "</span></td><td>" +
      escapeHtml(d.doc_no) + "</td><td>" + d.units + "</td><td>" + escapeHtml(d.origin) + "</td></tr>").join("");
  } catch (e) {
    $("#docs-summary").textContent = e.message;
  }
}

// ---- admin upload: a progress bar while the file goes up, then the ingest's own progress lines ----
function sseEvents(text) {
  // complete server-sent events in a (growing) response text
  return text.split("\n\n").slice(0, -1).map(sseEvent);
}

function uploadDone(status, report) {
  const stored = (report.files || []).filter((f) => f.status === "ok").map((f) => "《" + f.title + "》" + f.units + " 个单元");
  status.textContent = report.summary + (stored.length ? "：" + stored.join("、") : "") + "。知识库现有 " + report.documents + " 个文档。";
}

$("#upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const file = $("#up-file").files[0];
  if (!file) return;
  const bar = $("#up-progress"), status = $("#up-status"), button = $("#up-go");
  const data = new FormData();
  data.append("file", file);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/documents?stream=true");
  xhr.setRequestHeader("Authorization", "Bearer " + localStorage.getItem(TOKEN_KEY));
  bar.hidden = false;
  bar.value = 0;
  button.disabled = true;
  status.textContent = "正在上传…";
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
  };
  xhr.upload.onload = () => { bar.removeAttribute("value"); status.textContent = "上传完成，正在导入（解析、切分、嵌入）…"; };
  xhr.onprogress = () => {
    if (xhr.status !== 200) return;
    const lines = sseEvents(xhr.responseText).filter((e) => e.name === "progress");
    if (lines.length) status.textContent = "正在导入：" + lines[lines.length - 1].data.line;
  };
  xhr.onload = () => {
    button.disabled = false;
    bar.hidden = true;
    if (xhr.status === 401) { lock("口令无效或已失效，请重新输入。"); return; }
    if (xhr.status !== 200) {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      status.textContent = body.error || "导入失败（HTTP " + xhr.status + "）。";
      return;
    }
    const last = sseEvents(xhr.responseText).filter((e) => e.name === "report" || e.name === "error").pop();
    if (!last) status.textContent = "导入结果未返回，请在“文档”页查看。";
    else if (last.name === "error") status.textContent = last.data.error;
    else uploadDone(status, last.data);
  };
  xhr.onerror = () => { button.disabled = false; bar.hidden = true; status.textContent = "网络错误，上传未完成。"; };
  xhr.send(data);
});

// ---- start ----
if (localStorage.getItem(TOKEN_KEY)) unlock(); else lock("");
