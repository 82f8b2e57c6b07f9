"""The exported verification page in a real headless Chromium: it gives the app's verdict on every test
vector (pasted into the page), on a rendered certificate page image and on badge files, shows the signed
facts as text, works in both languages, and never makes a network request (issue 22).

One browser for the whole module. Skipped, with the reason, where chromium/chromedriver are missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from datetime import date

import pytest

from app.certificates.badge import _hash_data, b58encode, open_badge_credential, read_badge, verify_open_badge
from app.certificates.keys import CenterKeys
from app.certificates.verifier.page import write_page
from tests.verifier import browser
from tests.verifier.vectors import (
    HOSTILE_NAME,
    REVOKED_REASON,
    app_verdict,
    base_claims,
    garbage_vectors,
    make_vectors,
    page_data,
    signed,
    signed_edge_cases,
)

pytestmark = pytest.mark.skipif(bool(browser.missing()), reason=browser.missing() or "browser available")

# The app's words for each reason the page gives an "unreadable" verdict (app/certificates/qr.py, verify.py).
APP_REASON = {"empty": "is empty", "prefix": "should start with ZZC1:", "damaged_chars": "characters outside",
              "too_short": "too short", "damaged_data": "does not unpack", "too_much": "too much data",
              "cut_off": "is cut off", "claims": "not certificate claims"}

RESULT_JS = """
const [texts, mode, done] = arguments; const out = [];
(async () => {
  const V = window.ZZVerifier, ed = V.ctx.ed; V.ctx.ed = mode;
  try { for (const t of texts) { const r = await V.verifyText(t, 'text'); out.push([r.status, r.reason]); } }
  catch (e) { out.push(['error', String(e)]); }
  V.ctx.ed = ed; done(out);
})();
"""


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> CenterKeys:
    return CenterKeys.load_or_create(tmp_path_factory.mktemp("keys") / "own")


@pytest.fixture(scope="module")
def foreign(tmp_path_factory) -> CenterKeys:
    return CenterKeys.load_or_create(tmp_path_factory.mktemp("keys") / "foreign")


@pytest.fixture(scope="module")
def data(keys):
    return page_data(keys)


@pytest.fixture(scope="module")
def page(tmp_path_factory, data):
    return write_page(tmp_path_factory.mktemp("page") / "verify.html", data)


@pytest.fixture(scope="module")
def vectors(keys, foreign) -> dict[str, str]:
    return make_vectors(keys, foreign)


@pytest.fixture(scope="module")
def camera_code(keys) -> str:
    """What the fake camera shows (as a QR code): a certificate of this center."""
    return signed(keys, base_claims(number="ZZ-2026-0011-0000"))


@pytest.fixture(scope="module")
def driver(page, camera_code, tmp_path_factory):
    """One Chromium for the module, its fake camera showing ``camera_code`` (only the camera test starts
    the camera): a second browser for that test cost ~0.9 s of CPU."""
    from PIL import Image

    from app.certificates.qr import qr_image

    frame = Image.new("RGB", (640, 480), "white")
    code = qr_image(camera_code, box_size=4)
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    video = browser.write_y4m(frame, tmp_path_factory.mktemp("camera") / "camera.y4m")
    d = browser.start(extra=("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                             f"--use-file-for-fake-video-capture={video}"))
    yield d
    d.quit()


@pytest.fixture
def fresh(driver, page):
    """The page opened anew in English; the requests it made are checked after the test."""
    browser.requests_seen(driver)  # forget earlier tests' traffic
    driver.get_log("browser")
    driver.get(page.as_uri())
    driver.find_element("css selector", ".lang button[data-lang='en']").click()
    yield driver
    stray = [r["url"] for r in browser.requests_seen(driver)
             if r["url"] != page.as_uri() and not r["url"].startswith(("blob:", "data:"))]
    assert stray == [], f"the page made network requests: {stray}"
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
              or "Content Security Policy" in e["message"]]
    assert errors == [], errors  # no script error, nothing the policy had to block


RESULT_FIELDS_JS = """
const done = arguments[arguments.length - 1], until = Date.now() + 60000;
const poll = () => {
  const out = document.getElementById('result'), status = out.getAttribute('data-status');
  if (status === null || status === '' || status === 'busy') {
    if (Date.now() > until) { done({error: 'no verdict within 60 s'}); } else { setTimeout(poll, 10); }
    return;
  }
  const text = (e, sel) => {
    const found = e.querySelector(sel);
    if (!found) throw new Error('no ' + sel);
    return found.innerText;
  };
  try {
    done({status, reason: out.getAttribute('data-reason'),
          facts: [...out.querySelectorAll('.facts tr')].map((r) => [text(r, 'th'), text(r, 'td')]),
          heading: text(out, '.verdict .status'), message: text(out, '.verdict .message')});
  } catch (e) { done({error: String(e)}); }
};
poll();
"""


def _result(d) -> dict:
    """The verdict shown once the page has one. Waited for and read in one script: a WebDriver command
    per field and table cell (~30 of them, each running Selenium's text atom) cost ~0.35 s of Chromium
    CPU per verdict. The cells, heading and message are read as ``innerText``, which for these plain-text
    elements is what WebDriver's ``.text`` gives (compared on every verdict of this module); the whole
    result's text stays WebDriver's."""
    shown = d.execute_async_script(RESULT_FIELDS_JS)
    assert "error" not in shown, shown
    shown["facts"] = dict(shown["facts"])
    shown["text"] = d.find_element("id", "result").text
    return shown


def _paste(d, text: str, typed: bool = False) -> dict:
    """Put ``text`` in the QR text box as a paste does (all at once), or ``typed`` key by key; click Check."""
    box = d.find_element("id", "qr-text")
    box.clear()
    d.execute_script("document.getElementById('result').dataset.status = ''")
    if typed:
        box.send_keys(text)
    else:
        d.execute_script("arguments[0].value = arguments[1]; "
                         "arguments[0].dispatchEvent(new InputEvent('input', {inputType: 'insertFromPaste'}))",
                         box, text)
    d.find_element("id", "verify-text").click()
    return _result(d)


def _upload(d, input_id: str, path) -> dict:
    d.execute_script("document.getElementById('result').dataset.status = ''")
    d.find_element("id", input_id).send_keys(str(path))
    return _result(d)


# --- the same verdict as the app ------------------------------------------------------------------------------

def test_every_vector_pasted_gives_the_apps_verdict(fresh, vectors, data):
    seen = {}
    for name, text in vectors.items():
        app = app_verdict(text, data)
        shown = _paste(fresh, text)
        seen[name] = shown["status"]
        assert shown["status"] == app.status, (name, shown, app.message)
        if app.status == "unreadable":  # and for the same reason
            assert APP_REASON[shown["reason"]] in app.message, (name, shown["reason"], app.message)
        if app.claims is not None and app.status != "unreadable":
            assert shown["facts"]["Certificate No."] == app.claims.number, name
            assert shown["facts"]["Name"] == app.claims.learner_name, name
        else:
            assert shown["facts"] == {}, name
    # The vectors cover every verdict, so agreeing is not agreeing on one answer.
    assert set(seen.values()) == {"valid", "tampered", "unknown_issuer", "revoked", "expired", "unreadable"}
    assert all(seen[n] == "tampered" for n in vectors if n.startswith("tampered_"))


def test_valid_certificate_shows_the_signed_facts_first(fresh, vectors):
    shown = _paste(fresh, vectors["valid_lowercase_spaced"], typed=True)
    assert shown["facts"] == {
        "Name": "张伟", "Course": "工业机器人操作与编程 / Industrial Robot Operation & Programming",
        "Completed on": "2026-11-24", "Score": "92.5%", "Hours": "16", "Valid until": "2099-11-24",
        "Certificate No.": "ZZ-2026-0003-RJ0E", "Issuer": "智造学院培训中心 / Zhizao Academy Training Center"}
    assert shown["heading"] == "Valid"
    text = shown["text"]
    assert text.index("Compare these with the paper") < text.index("Name") < text.index("Valid\n")
    assert "Certificate ZZ-2026-0003-RJ0E for 张伟 was issued by 智造学院培训中心." in text


def test_each_verdict_says_which_check_failed(fresh, vectors):
    revoked = _paste(fresh, vectors["revoked"])
    assert revoked["heading"] == "Revoked" and REVOKED_REASON in revoked["message"]
    assert "as of " in revoked["message"] and " UTC" in revoked["message"]
    tampered = _paste(fresh, vectors["tampered_score"])
    assert tampered["heading"] == "Not valid" and "signature does not match" in tampered["text"]
    assert "did not sign this data" in tampered["text"] and "Signed by" not in tampered["text"]
    assert "These details are NOT confirmed" in tampered["text"]
    unknown = _paste(fresh, vectors["unknown_key"])
    assert unknown["heading"] == "Issued by another center" and "key id" in unknown["message"]
    expired = _paste(fresh, vectors["expired"])
    assert expired["heading"] == "Expired" and "2020-01-01" in expired["message"]
    cut = _paste(fresh, vectors["truncated_at_a_block"])
    assert cut["heading"] == "Unreadable" and cut["reason"] == "cut_off" and "cut off" in cut["text"]
    override = _paste(fresh, vectors["valid_override_renewal"])
    assert override["facts"]["Awarded on"] == "2026-11-24"
    assert "not by completing the course" in override["facts"]["Basis"]
    assert override["facts"]["Renewal"] == "Renews certificate ZZ-2025-0001-0000"
    assert override["facts"]["Score"] == "92.5%"
    no_expiry = _paste(fresh, vectors["valid_pass_fail_no_expiry"])
    assert no_expiry["facts"]["Score"] == "Pass" and no_expiry["facts"]["Valid until"] == "No expiry"
    assert no_expiry["facts"]["Hours"] == "7.5"


def test_hostile_text_in_the_payload_is_shown_as_text(fresh, vectors):
    shown = _paste(fresh, vectors["valid_hostile_name"])
    assert shown["status"] == "valid" and shown["facts"]["Name"] == HOSTILE_NAME
    assert "</script><script>alert(2)</script>" in shown["facts"]["Course"]
    assert fresh.title.startswith("Certificate verification")
    assert fresh.find_elements("css selector", "#result img, #result script") == []


def _webcrypto_ed25519(d) -> bool:
    """Whether this browser's WebCrypto has Ed25519 (the page's first choice; Chromium 137 and later)."""
    return d.execute_async_script("""
      const done = arguments[0];
      crypto.subtle.importKey('raw', new Uint8Array(32), {name: 'Ed25519'}, false, ['verify'])
        .then(() => done(true), (e) => done(e.name !== 'NotSupportedError'));""")


def test_random_damage_gives_the_apps_verdict_with_both_signature_paths(fresh, keys, data, vectors):
    """WebCrypto where the browser has it, and the vendored @noble/ed25519 the page falls back to."""
    texts = list(vectors.values()) + garbage_vectors(keys, 160)
    expected = [app_verdict(t, data) for t in texts]
    modes = ("webcrypto", "noble") if _webcrypto_ed25519(fresh) else ("noble",)
    for mode in modes:
        got = fresh.execute_async_script(RESULT_JS, texts, mode)
        assert [s for s, _reason in got] == [a.status for a in expected], mode
        for (status, reason), app in zip(got, expected, strict=True):
            assert status != "unreadable" or APP_REASON[reason] in app.message, (reason, app.message)


def test_signed_edge_cases_of_canonical_claims_give_the_apps_verdict(fresh, keys, data):
    """Numbers, escapes, white space, dates and optional keys the center's key really signed: the page
    accepts exactly the canonical claims the app accepts."""
    cases = signed_edge_cases(keys)
    got = fresh.execute_async_script(RESULT_JS, list(cases.values()), "auto")
    verdicts = {name: (app_verdict(text, data).status, shown[0]) for (name, text), shown in zip(
        cases.items(), got, strict=True)}
    assert {n: v for n, v in verdicts.items() if v[0] != v[1]} == {}
    assert {app for app, _page in verdicts.values()} == {"valid", "unreadable"}


def test_sha2_fallback_matches_hashlib(fresh):
    rng = random.Random(7)
    inputs = [b"", b"abc", *(rng.randbytes(n) for n in (55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 300, 1000))]
    got = fresh.execute_script("""
      const S = window.ZZVerifier.sha2, hex = window.ZZVerifier.core.hex;
      return arguments[0].map((h) => { const b = Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
        return [hex(S.sha256(b)), hex(S.sha512(b))]; });""", [b.hex() for b in inputs])
    assert got == [[hashlib.sha256(b).hexdigest(), hashlib.sha512(b).hexdigest()] for b in inputs]


# --- images and badges --------------------------------------------------------------------------------------

def test_rendered_certificate_page_image_is_valid(fresh, keys, data, tmp_path):
    from app.certificates.decode_image import render_pdf_page
    from app.certificates.issue import write_certificate
    from app.certificates.verify import verify_image

    issued = write_certificate(base_claims(), keys, tmp_path / "cert.pdf", badge=False)
    png = tmp_path / "scan.png"
    render_pdf_page(issued.pdf_path, 0, dpi=150).save(png)
    shown = _upload(fresh, "image-file", png)
    assert verify_image(png, [keys.public_key]).status == "valid"
    assert shown["status"] == "valid" and shown["facts"]["Name"] == "张伟"
    assert "compare the details above with the paper" in shown["message"]
    jpeg = tmp_path / "photo.jpg"
    render_pdf_page(issued.pdf_path, 0, dpi=150).convert("RGB").rotate(2, expand=True, fillcolor="white").save(
        jpeg, quality=80)
    photo = _upload(fresh, "image-file", jpeg)
    assert photo["status"] == "valid", photo


def test_images_without_a_certificate_are_unreadable(fresh, keys, foreign, tmp_path):
    from PIL import Image

    from app.certificates.qr import qr_image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    assert _upload(fresh, "image-file", blank)["reason"] == "no_qr"
    other = tmp_path / "other.png"
    qr_image("https://example.com/not-a-certificate").save(other)
    assert _upload(fresh, "image-file", other)["reason"] == "other_qr"
    notimage = tmp_path / "notes.png"
    notimage.write_text("not a picture")
    assert _upload(fresh, "image-file", notimage)["reason"] == "image_unreadable"
    theirs = tmp_path / "theirs.png"
    qr_image(signed(foreign, base_claims())).save(theirs)
    assert _upload(fresh, "image-file", theirs)["status"] == "unknown_issuer"


def _resign(doc: dict, keys: CenterKeys) -> dict:
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    config = {k: v for k, v in doc["proof"].items() if k != "proofValue"}
    return {**unsecured, "proof": {**config, "proofValue": "z" + b58encode(keys.sign(_hash_data(unsecured, config)))}}


def _badges(keys: CenterKeys, foreign: CenterKeys) -> dict[str, object]:
    good = open_badge_credential(base_claims(), keys)
    out: dict[str, object] = {"valid": good}
    out["tampered_name"] = json.loads(json.dumps(good).replace("张伟", "张三"))
    out["unknown_issuer"] = open_badge_credential(base_claims(), foreign)
    out["revoked"] = open_badge_credential(base_claims(number="ZZ-2026-0009-0000"), keys)
    out["expired"] = open_badge_credential(base_claims(issued_on=date(2019, 1, 1), expires_on=date(2020, 1, 1)), keys)
    fields = json.loads(json.dumps(good))
    fields["credentialSubject"]["licenseNumber"] = "ZZ-2026-0003-RJ0F"
    out["fields_differ_resigned"] = _resign(fields, keys)
    issuer = json.loads(json.dumps(good))
    issuer["issuer"]["id"] = "did:key:z6MkOther"
    out["issuer_not_signer_resigned"] = _resign(issuer, keys)
    context = json.loads(json.dumps(good))
    context["proof"]["@context"] = ["https://example.com/other"]
    out["proof_context_differs"] = context
    suite = json.loads(json.dumps(good))
    suite["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    out["other_suite"] = suite
    out["not_an_object"] = [good]
    return out


def test_badge_files_give_the_apps_verdict(fresh, keys, foreign, data, tmp_path):
    from app.certificates.keys import TrustedKey

    trusted = [TrustedKey(keys.public_key, "this center")]
    revoked = {"ZZ-2026-0009-0000": REVOKED_REASON}
    seen = set()
    for name, doc in _badges(keys, foreign).items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        app = verify_open_badge(doc, trusted, lambda n: (n in revoked, revoked.get(n, "")))
        shown = _upload(fresh, "badge-file", path)
        seen.add(shown["status"])
        assert shown["status"] == app.status, (name, shown, app.message)
        if name == "valid":
            assert shown["facts"]["Name"] == "张伟" and shown["facts"]["Score"] == "92.5%"
    assert seen == {"valid", "tampered", "unknown_issuer", "revoked", "expired", "unreadable"}
    good = json.dumps(_badges(keys, foreign)["valid"], ensure_ascii=False).encode()
    deep = json.loads(good)
    deep["extra"] = json.loads("[" * 40 + "]" * 40)
    for name, raw in (("junk", b"\xff\xfe{"), ("bom", b"\xef\xbb\xbf" + good), ("deep", json.dumps(deep).encode()),
                      ("large", good[:-1] + b', "pad": "' + b"x" * (1 << 20) + b'"}')):
        path = tmp_path / f"{name}.json"
        path.write_bytes(raw)
        with pytest.raises(ValueError):  # the app refuses to read it: unreadable
            read_badge(path)
        assert _upload(fresh, "badge-file", path)["reason"] == "badge_json", name


# --- languages, offline ------------------------------------------------------------------------------------

def test_switching_to_chinese_redraws_the_result(fresh, vectors):
    _paste(fresh, vectors["revoked"])
    fresh.find_element("css selector", ".lang button[data-lang='zh_CN']").click()
    shown = _result(fresh)
    assert shown["heading"] == "已撤销" and "原因：" + REVOKED_REASON in shown["message"]
    assert shown["facts"]["姓名"] == "张伟" and shown["facts"]["证书编号"] == "ZZ-2026-0009-0000"
    assert fresh.find_element("tag name", "h1").text == "核验智造学院证书"
    assert fresh.find_element("tag name", "html").get_attribute("lang") == "zh-CN"
    assert _paste(fresh, vectors["valid"])["heading"] == "有效"


def test_page_follows_the_browsers_language(driver, page, vectors):
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": driver.execute_script(
        "return navigator.userAgent"), "acceptLanguage": "zh-CN,zh"})
    try:
        driver.get(page.as_uri())
        assert driver.execute_script("return navigator.language").startswith("zh")
        assert driver.find_element("tag name", "h1").text == "核验智造学院证书"
        assert _paste(driver, vectors["expired"])["heading"] == "已过期"
    finally:
        driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": driver.execute_script(
            "return navigator.userAgent"), "acceptLanguage": "en-US,en"})
    driver.get(page.as_uri())
    assert driver.find_element("tag name", "h1").text == "Check a Zhizao Academy certificate"


def test_the_policy_blocks_any_request_the_page_could_attempt(driver, page):
    """Even script injected into the page cannot reach the network: connect-src and img-src forbid it."""
    driver.get(page.as_uri())
    browser.requests_seen(driver)
    result = driver.execute_async_script("""
      const done = arguments[0];
      const img = new Image(); img.src = 'http://127.0.0.1:9/pixel.png';
      fetch('http://127.0.0.1:9/x').then(() => done('fetched'), (e) => done('blocked: ' + e));""")
    assert result.startswith("blocked")
    tried = [r for r in browser.requests_seen(driver) if r["url"].startswith("http")]
    assert all(r["blocked"] == "csp" and not r["response"] for r in tried), tried
    assert any("Content Security Policy" in e["message"] for e in driver.get_log("browser"))


def test_page_states_its_keys_and_snapshot(fresh, keys, data):
    footer = fresh.find_element("tag name", "footer").text
    assert keys.fingerprint() in footer and "智造学院培训中心 / Zhizao Academy Training Center" in footer
    assert "Withdrawn certificates as of " in footer and ": 1." in footer


def test_expiry_day_itself_is_still_valid(fresh, keys, data):
    """Expiry is judged on the viewer's local date, as the app judges it on the verifying PC's: the last
    day is valid, the day after is not."""
    for days, status in ((0, "valid"), (-1, "expired")):
        until = date.fromordinal(date.today().toordinal() + days)
        claims = dataclasses.replace(base_claims(number="ZZ-2026-0010-0000"), issued_on=date(2019, 1, 1),
                                     expires_on=until)
        text = signed(keys, claims)
        assert app_verdict(text, data).status == status
        assert _paste(fresh, text)["status"] == status


def test_camera_reads_the_code_where_the_browser_allows_it(driver, page, camera_code, data):
    """Chromium's fake camera shows a certificate's QR code: the page reads it from the video and checks it."""
    driver.get(page.as_uri())
    driver.find_element("css selector", ".lang button[data-lang='en']").click()
    driver.find_element("id", "camera").click()
    shown = _result(driver)
    assert shown["status"] == app_verdict(camera_code, data).status == "valid"
    assert shown["facts"]["Certificate No."] == "ZZ-2026-0011-0000"
    assert driver.execute_script("return document.getElementById('video').hidden")  # camera stopped


def test_same_page_from_a_static_web_server(driver, page, vectors, data):
    """Served over HTTP by any static host (here Python's, on the loopback), the one file is the only request."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(page.parent))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{page.name}"
    try:
        browser.requests_seen(driver)
        driver.get(url)
        for name in ("valid", "revoked", "tampered_learner_name"):
            assert _paste(driver, vectors[name])["status"] == app_verdict(vectors[name], data).status
        assert [r["url"] for r in browser.requests_seen(driver)] == [url]
    finally:
        server.shutdown()
        server.server_close()
