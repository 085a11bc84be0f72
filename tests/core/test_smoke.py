"""The app starts, serves its health check and sends anonymous visitors to sign in."""
from accredit.roles import Role


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_redirects_anonymous_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location == "/sign-in?next=/"


def test_signed_in_user_sees_their_team_on_home(client, auth, factory):
    team = factory.team(name="Ward 7 Respiratory")
    other = factory.team(name="Ward 99 Elsewhere")
    user = factory.user(role=Role.TEAM_MEMBER, scope=team)
    factory.commit()
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    assert "Ward 7 Respiratory" in html
    assert other.name not in html
