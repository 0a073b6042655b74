"""Valid input is saved and read back unchanged (after the project's documented
normalisation): names with 𠮷, 髙, full- and half-width letters and kana; free text with
emoji, CJK beyond the BMP, control characters and 10,000-character bodies."""

import re

import pytest
from django.http import HttpResponse
from hypothesis import given
from hypothesis import strategies as st

from bansou.accounts.models import User
from bansou.accounts.names import normalize_kana, normalize_name
from bansou.core.roles import Role
from bansou.engagements.models import Reflection, SessionNote, SessionRecord
from bansou.programs.models import Application
from tests.conftest import World
from tests.fuzz.conftest import FUZZ
from tests.fuzz.pages import post_forms
from tests.fuzz.submit import client_as, rolled_back

# Pieces of names and readings (half-width ｶﾞ is one piece: a lone ﾞ is not a reading).
NAME_PIECES = [*"山田髙﨑𠮷野家太郎花子渡邊齋藤ｱｲｳｴｵＡＢＣａｂｃabcXYZ　 -・ー々'", "ｶﾞ", "ﾊﾟ"]
KANA_PIECES = [*"あいうえおがぱゃっゔアイウエオガパャッヴｱｲｳｰー・ 　", "ｶﾞ", "ﾊﾟ"]
names = st.lists(st.sampled_from(NAME_PIECES), min_size=1, max_size=12).map("".join)
names = names.filter(normalize_name)
readings = st.lists(st.sampled_from(KANA_PIECES), max_size=12).map("".join)
# Anything a person can type into a text area (NUL is refused: tested by the form fuzz).
free_text = st.one_of(
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=200,
    ),
    st.sampled_from(
        ["𠮷野家の😀メモ\n２行目", "ｱｲｳ\r\nＡＢＣ", "\u3000全角スペース\u3000", "e\u0301"]
    ),
    st.just("𠮷" * 2000),
).filter(str.strip)


def _refusal(response: HttpResponse) -> str:
    """The messages of a page that should have been a redirect."""
    body = response.content.decode(errors="replace")
    return " / ".join(re.findall(r'role="alert">(.*?)</', body, flags=re.S))[:500] or body[:300]


@pytest.mark.django_db
def test_profile_names_are_saved_as_normalised_and_shown_back(fuzz_world: World) -> None:
    user = fuzz_world.a.members[Role.CLIENT]
    client = client_as(user)

    @FUZZ
    @given(family=names, given=names, family_kana=readings, given_kana=readings)
    def run(family: str, given: str, family_kana: str, given_kana: str) -> None:
        with rolled_back(client):
            response = client.post(
                "/accounts/profile/",
                {
                    "family_name": family,
                    "given_name": given,
                    "family_name_kana": family_kana,
                    "given_name_kana": given_kana,
                    "language": "ja",
                },
            )
            assert response.status_code == 302, _refusal(response)
            saved = User.objects.get(pk=user.pk)
            assert (saved.family_name, saved.given_name) == (
                normalize_name(family),
                normalize_name(given),
            )
            assert (saved.family_name_kana, saved.given_name_kana) == (
                normalize_kana(family_kana),
                normalize_kana(given_kana),
            )
            page = client.get("/accounts/profile/").content.decode()
            for value in (saved.family_name, saved.given_name):
                assert f'value="{value}"' in page.replace("&#x27;", "'")

    run()


@pytest.mark.django_db
def test_session_record_and_private_note_are_saved_unchanged(fuzz_world: World) -> None:
    session = fuzz_world.a.extra["session"]
    client = client_as(fuzz_world.a.members[Role.SUPPORTER])
    url = f"/o/{fuzz_world.a.organization.slug}/sessions/{session.pk}/record/"

    @FUZZ
    @given(summary=free_text, note=free_text)
    def run(summary: str, note: str) -> None:
        with rolled_back(client):
            response = client.post(url, {"shared_summary": summary, "private_note": note})
            assert response.status_code == 302, _refusal(response)
            assert SessionRecord.objects.get(session=session).shared_summary == summary.strip()
            latest = SessionNote.objects.filter(session=session).latest("pk")
            assert latest.body == note.strip()

    run()


@pytest.mark.django_db
def test_reflection_is_saved_unchanged(fuzz_world: World) -> None:
    session = fuzz_world.a.extra["session"]
    client = client_as(fuzz_world.a.members[Role.CLIENT])
    url = f"/o/{fuzz_world.a.organization.slug}/sessions/{session.pk}/reflection/"

    @FUZZ
    @given(
        important=free_text,
        noticed=free_text,
        feeling=st.sampled_from(["", "1", "4"]),
    )
    def run(important: str, noticed: str, feeling: str) -> None:
        with rolled_back(client):
            response = client.post(
                url, {"important": important, "noticed": noticed, "feeling": feeling}
            )
            assert response.status_code == 302, _refusal(response)
            saved = Reflection.objects.get(session=session)
            assert (saved.important, saved.noticed, saved.next_step) == (
                important.strip(),
                noticed.strip(),
                "",
            )
            assert saved.feeling == (int(feeling) if feeling else None)

    run()


@pytest.mark.django_db
def test_application_is_saved_as_normalised(fuzz_world: World) -> None:
    program = fuzz_world.a.extra["program"]
    url = f"/p/{fuzz_world.a.organization.slug}/{program.slug}/apply/client/"
    client = client_as(None)
    (form,) = [f for f in post_forms(client.get(url).content.decode(), url) if f.action == url]

    @FUZZ
    @given(family=names, given=names, kana=readings, message=free_text)
    def run(family: str, given: str, kana: str, message: str) -> None:
        data = form.defaults()
        data.update(
            family_name=[family],
            given_name=[given],
            family_name_kana=[kana],
            email=["applicant@example.com"],
            message=[message[:2000]],
            consent=["on"],
            category=["worker"],
        )
        with rolled_back(client):
            before = Application.objects.count()
            response = client.post(url, data)
            assert response.status_code == 302, _refusal(response)
            assert Application.objects.count() == before + 1
            saved = Application.objects.latest("pk")
            assert (saved.family_name, saved.given_name, saved.family_name_kana) == (
                normalize_name(family),
                normalize_name(given),
                normalize_kana(kana),
            )
            assert saved.message == message[:2000].strip()

    run()
