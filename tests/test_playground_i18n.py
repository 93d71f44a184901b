"""The playground in Simplified Chinese: the page's messages, the server's answers in the request's language,
the language a page starts in, and the CJK font (API tests; the browser tests are in
test_playground_browser_zh.py)."""

import json
import time

import pytest
from required import require

require("starlette")
require("httpx2")

from starlette.testclient import TestClient  # noqa: E402

from gdlab.i18n import catalog, fonts  # noqa: E402
from gdlab.i18n.catalog import PLACEHOLDER  # noqa: E402
from gdlab.playground import create_app  # noqa: E402
from gdlab.playground.app import request_language  # noqa: E402

BASE = "http://127.0.0.1:8000"
ZH = {"Accept-Language": "zh-CN"}
TIMEOUT = 60.0


@pytest.fixture
def client():
    with TestClient(create_app(max_sessions=4, idle_seconds=600), base_url=BASE) as c:
        yield c


def test_the_page_messages_come_in_both_languages_with_the_same_keys(client):
    en = client.get("/api/messages?lang=en").json()
    zh = client.get("/api/messages?lang=zh-CN").json()
    assert (en["lang"], zh["lang"]) == ("en", "zh-CN")
    assert set(en["messages"]) == set(zh["messages"])
    assert {k.split(".")[0] for k in en["messages"]} == {"playground", "glossary"}
    assert en["messages"] == {k: v for k, v in catalog("en").items() if k.split(".")[0] in ("playground", "glossary")}
    for key, text in en["messages"].items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(zh["messages"][key])), key
    assert zh["messages"]["playground.ctl_learning_rate"] == "学习率 η"
    assert zh["messages"]["playground.batch_size"] == "批大小：{value}"
    assert client.get("/api/messages", headers=ZH).json()["lang"] == "zh-CN"  # the header when no ?lang=


def test_a_bad_setting_is_refused_in_the_requests_language_naming_the_field(client):
    body = {"settings": {"learningRate": 99}}
    en = client.post("/api/sessions", json=body)
    zh = client.post("/api/sessions", json=body, headers=ZH)
    assert en.status_code == zh.status_code == 422
    assert en.json() == {"field": "learningRate", "detail": "99 is not valid; valid: a number 0–10"}
    assert zh.json() == {"field": "learningRate", "detail": "99 无效；有效值：0–10 之间的数"}
    zh = client.post("/api/sessions?lang=zh-CN", json={"settings": {"networkShape": [9]}}).json()
    assert zh == {"field": "networkShape", "detail": "[9] 无效；有效值：0–6 个隐藏层，每层 1–8 个神经元（整数）"}
    zh = client.post("/api/sessions", json={"settings": {"hyper": {"momentum": 0.5, "rho": 0.9}}}, headers=ZH).json()
    assert zh == {"field": "hyper.rho", "detail": "sgd 没有超参数 'rho'；有效的超参数：momentum, nesterov, dampening"}
    zh = client.post("/api/sessions", json={"settings": {}, "b": {"dataset": "xor"}}, headers=ZH).json()
    assert zh["field"] == "b.dataset" and zh["detail"].startswith("运行 B 与运行 A 只能在这些字段上不同：optimizer, ")
    zh = client.get("/api/sessions/nosuchsession", headers=ZH)
    assert zh.status_code == 404 and zh.json() == {"field": "session",
                                                    "detail": "没有会话 'nosuchsession'（它可能因空闲过久而被移除）"}


def test_the_session_limit_speaks_the_requests_language():
    with TestClient(create_app(max_sessions=1), base_url=BASE) as c:
        assert c.post("/api/sessions", json={"settings": {}}).status_code == 201
        res = c.post("/api/sessions", json={"settings": {}}, headers=ZH)
    assert res.status_code == 503
    assert res.json()["detail"] == "游乐场的 1 个会话都在使用中；请关闭一个标签页，或稍后再试"


def _diverged(client, sid, headers):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        run = client.get(f"/api/sessions/{sid}", headers=headers).json()["metrics"]["runs"][0]
        if run["error"]:
            return run
        time.sleep(0.05)
    raise AssertionError("the run did not diverge")


def test_a_divergence_message_is_rendered_in_the_language_of_whoever_reads_it(client):
    body = {"settings": {"dataset": "plane", "networkShape": [], "activation": "linear", "learningRate": 3.0}}
    sid = client.post("/api/sessions", json=body).json()["id"]
    client.post(f"/api/sessions/{sid}/play")
    en, zh = _diverged(client, sid, {}), _diverged(client, sid, ZH)
    assert en["error"].startswith("training diverged: the training loss rose to ")
    assert en["error"].endswith("Lower the learning rate (or clip gradients with clipnorm=), and check the data "
                                "for extreme values.")
    start = en["error"].split("its start ")[1].split(",")[0]
    assert zh["error"].startswith("训练发散：训练损失在第 1 个轮次升到 ") and f"超过起始值 {start} 的 5 倍（学习率 3）" in zh["error"]
    assert "clipnorm=" in zh["error"]  # the page shows the clipnorm control on it
    with client.stream("GET", f"/api/sessions/{sid}/events?lang=zh-CN") as stream:  # the page's EventSource
        for line in stream.iter_lines():
            if line.startswith("data: ") and '"error"' in line:
                assert json.loads(line[6:])["runs"][0]["error"] == zh["error"]
                break


def test_the_lesson_verdict_comes_as_data_and_as_text_in_the_language(client):
    eta = 1.6 / client.get("/api/lesson?eta=0.1&steps=1").json()["lambda"]
    en = client.get(f"/api/lesson?eta={eta}&steps=60").json()
    zh = client.get(f"/api/lesson?eta={eta}&steps=60&lang=zh-CN").json()
    assert en["predicted"] == zh["predicted"] == en["predictedText"] == "oscillating, converging"
    flips = en["observed"].split("flipped ")[1].split("×")[0]
    assert zh["observed"] == en["observedText"] == en["observed"] == f"converged (sign flipped {flips}×)"
    assert (zh["predictedText"], zh["observedText"]) == ("振荡并收敛", f"收敛了（符号翻转 {flips} 次）")
    bad = client.get("/api/lesson?eta=5&lang=zh-CN").json()
    assert bad == {"field": "eta", "detail": "5.0 无效；有效值：0–2 之间的数"}


@pytest.mark.parametrize("default, query, accept, expected", [
    ("en", "", None, "en"), ("zh-CN", "", None, "zh-CN"), ("en", "lang=zh-CN", None, "zh-CN"),
    ("zh-CN", "lang=en", "zh-CN", "en"), ("en", "", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh-CN", "", "en-US,en;q=0.9", "en"), ("en", "", "fr-FR, zh-Hans;q=0.5", "zh-CN"), ("zh-CN", "lang=fr", "de", "zh-CN"),
    ("en", "eta=0.1&lang=zh_CN", None, "zh-CN"),
])
def test_a_request_speaks_its_lang_parameter_else_its_accept_language_else_the_apps(default, query, accept, expected):
    assert request_language(query, accept, default) == expected


def test_the_page_starts_in_the_apps_language_or_the_one_asked_for():
    with TestClient(create_app(lang="zh-CN"), base_url=BASE) as c:
        assert '<html lang="zh-CN">' in c.get("/").text
        assert '<html lang="en">' in c.get("/?lang=en").text
        assert c.post("/api/sessions", json={"settings": {"seed": -1}}).json()["detail"].startswith("-1 无效")
    with TestClient(create_app(lang="zh_CN"), base_url=BASE) as c:  # normalised
        assert '<html lang="zh-CN">' in c.get("/").text
    with TestClient(create_app(), base_url=BASE) as c:
        assert '<html lang="en">' in c.get("/").text and '<html lang="zh-CN">' in c.get("/?lang=zh-CN").text
    with pytest.raises(ValueError, match="valid: en, zh-CN"):
        create_app(lang="fr")


def test_the_cjk_font_is_served_and_named_by_the_page(client):
    res = client.get(f"/fonts/{fonts.FILE}")
    assert res.status_code == 200 and res.headers["content-type"] == "font/ttf"
    assert res.content == fonts.font_path().read_bytes()
    css = client.get("/static/playground.css").text
    assert f'font-family: "{fonts.FAMILY}"; src: url(/fonts/{fonts.FILE})' in css
    assert f'"{fonts.FAMILY}", sans-serif' in css
    js = client.get("/static/playground.js").text
    assert f'"{fonts.FAMILY}"' in js  # canvas text names it too
