"""Cross-cutting protections: CSRF on every form, security headers, cookie flags, no inline script, error pages."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from accredit import create_app
from accredit.auth.models import SignInAttempt, User
from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.roles import Role
from config import Config, TestConfig
from tests.helpers import csrf_token_from

H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
# A <script> element with no src attribute, or an inline event handler: both would be inline script.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>|<[a-z][^>]*\son[a-z]+\s*=", re.I)


def headings(response) -> list[str]:
    return [h.strip() for h in H1.findall(response.get_data(as_text=True))]


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = (d.strip() for d in policy.split(";") if d.strip())
    return {d.split()[0]: " ".join(d.split()[1:]) for d in directives}


def committed_count(model) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def member(factory):
    user = factory.user(role=Role.TEAM_MEMBER, scope=factory.team())
    factory.commit()
    return user


# --- CSRF -----------------------------------------------------------------------------------------------


def test_sign_in_post_without_csrf_token_is_refused(client, member):
    response = client.post("/sign-in", data={"email": member.email, "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert headings(response) == ["Sorry, there is a problem with your request"]
    assert committed_count(SignInAttempt) == 0
    assert client.get("/").status_code == 302


def test_account_post_without_csrf_token_changes_nothing(client, auth, member):
    auth.login(member)
    before = (member.password_hash, member.session_version)
    response = client.post(
        "/account",
        data={"current_password": "correct-horse-battery", "new_password": "another-long-passphrase",
              "confirm": "another-long-passphrase"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert (db.session.get(User, member.id).password_hash, db.session.get(User, member.id).session_version) == before
    assert client.get("/").status_code == 200


def test_sign_out_post_without_csrf_token_keeps_session(client, auth, member):
    auth.login(member)
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_post_with_forged_csrf_token_is_refused(client, auth, member):
    auth.login(member)
    response = client.post("/sign-out", data={"csrf_token": "forged-token"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200


# --- Headers and cookies ----------------------------------------------------------------------------------


def test_page_sends_security_headers(client):
    response = client.get("/sign-in")
    directives = csp_directives(response)
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives.get("default-src", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_lax(client, member):
    token = csrf_token_from(client.get("/sign-in"))
    response = client.post("/sign-in", data={"email": member.email, "password": "correct-horse-battery",
                                             "csrf_token": token})
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    flags = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert "httponly" in flags
    assert "samesite=lax" in flags


def test_production_config_sends_secure_cookies(app, tmp_path):
    assert (Config.SESSION_COOKIE_SECURE, Config.REMEMBER_COOKIE_SECURE) == (True, True)
    assert (Config.SESSION_COOKIE_HTTPONLY, Config.SESSION_COOKIE_SAMESITE) == (True, "Lax")
    assert TestConfig.SESSION_COOKIE_SECURE is False
    production = create_app(Config, SECRET_KEY="production-secret", VAR_DIR=tmp_path,
                            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    production.jinja_env.bytecode_cache = app.jinja_env.bytecode_cache  # the suite's compiled templates, if any
    with production.app_context():
        response = production.test_client().get("/sign-in", base_url="https://accredit.example")
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        db.session.remove()
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- No inline script anywhere ----------------------------------------------------------------------------


@pytest.fixture
def admin_pages(app, client, auth, factory) -> list[str]:
    """Every page a trust administrator can open: each route without arguments, plus pages of real records."""
    team = factory.team()
    admin = factory.user(role=Role.ADMIN)
    import_shipped_frameworks()
    factory.commit()
    auth.login(admin)
    plain = {
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/static/"))
    }
    records = [f"/teams/{team.id}", "/frameworks/cqc-kloe-2017/2017.1", "/frameworks/accreditation-standards/1.0"]
    return sorted(plain) + records


def html_pages(client, paths: list[str]):
    """(path, response) for each path that answers with an HTML page (not a redirect, download or JSON)."""
    for path in paths:
        response = client.get(path)
        if response.mimetype == "text/html" and not response.status_code // 100 == 3:
            yield path, response


def test_inline_script_pattern_finds_inline_script_only():
    html = (
        '<script src="/static/js/app.js" type="module"></script><p>Someone = no one</p>'
        '<script>alert(1)</script><button class="x" onclick="go()">Go</button><SCRIPT type="text/javascript">'
    )
    assert INLINE_SCRIPT.findall(html) == ["<script>", '<button class="x" onclick=', '<SCRIPT type="text/javascript">']


def test_no_page_renders_inline_script(client, admin_pages):
    found, statuses = {}, {}
    for path, response in html_pages(client, admin_pages):
        statuses[path] = response.status_code
        found[path] = INLINE_SCRIPT.findall(response.get_data(as_text=True))
        assert (path, csp_directives(response)["script-src"]) == (path, "'self'")
    assert {"/", "/teams", "/audit", "/account", "/frameworks/", "/sign-out"} <= set(found)
    assert statuses == {path: 200 for path in statuses}
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client.get("/sign-out"))})
    found["/sign-in"] = INLINE_SCRIPT.findall(client.get("/sign-in").get_data(as_text=True))
    assert found == {path: [] for path in found}


def test_every_page_has_exactly_one_h1(client, admin_pages):
    counts = {path: len(headings(response)) for path, response in html_pages(client, admin_pages)}
    assert counts == {path: 1 for path in counts}


# --- Error pages and health -------------------------------------------------------------------------------


def test_not_found_page_is_nhs_styled(client, auth, member):
    auth.login(member)
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert headings(response) == ["Page not found"]
    assert 'class="nhsuk-header' in html
    assert 'class="nhsuk-footer' in html


def test_forbidden_page_is_nhs_styled(client, auth, member):
    auth.login(member)
    response = client.get("/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert headings(response) == ["You do not have permission to do this"]
    assert 'class="nhsuk-header' in html


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
