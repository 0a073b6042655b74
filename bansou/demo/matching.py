"""Demo matching pools: the career centre (sakura-univ) and the mentoring NPO
(tsunagu-probono) get criteria, matching profiles, clients waiting for a supporter, one
confirmed round and one round waiting for review. Idempotent: nothing is done for an
organisation whose program already has a round."""

from django.utils import translation

from bansou.accounts.models import User
from bansou.matching.adapter import pool_candidates, unit_id_for
from bansou.matching.models import MatchingCriteria, MatchingProfile, MatchRound
from bansou.matching.services import ranking_save, round_confirm, round_create
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile, SupporterProfile
from bansou.programs.models import Enrollment, Program, Side

# email → (languages, what they want help with, slots, preferred mode)
UNIV_CLIENTS = {
    "client3@univ.example": (["zh", "ja"], "留学生の就職支援、IT業界", ["tue-evening"], "online"),
    "client4@univ.example": (["ko", "ja"], "面接練習", ["wed-afternoon"], "in_person"),
    "client5@univ.example": (["en"], "大学院進学", ["tue-evening"], "online"),
    "client6@univ.example": (["vi", "en"], "留学生の就職支援", ["thu-afternoon"], ""),
    "client7@univ.example": (["ne"], "自己理解", ["fri-morning"], ""),
}
UNIV_SUPPORTERS = {
    "supporter2@univ.example": (
        ["IT業界の就職", "留学生の就職支援", "面接練習"],
        ["ja", "zh", "en"],
        ["tue-evening", "thu-afternoon"],
        "female",
    ),
    "supporter3@univ.example": (
        ["面接練習", "自己理解"],
        ["ja", "ko"],
        ["wed-afternoon", "fri-morning"],
        "male",
    ),
}
MENTOR_CLIENTS = {
    "client3@mentor.example": "子ども食堂の運営で燃え尽きそう。NPO運営の相談をしたい",
    "client4@mentor.example": "障がいのある人の居場所づくり。傾聴してほしい",
    "client5@mentor.example": "子育て支援の団体で一人職員。孤立している",
}


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _enroll(program: Program, user: User, side: str) -> None:
    Enrollment.objects.get_or_create(
        organization=program.organization, program=program, user=user, side=side
    )


def _rounds(program: Program, coordinator: User, titles: tuple[str, str]) -> None:
    """Two rounds: the first (half of the waiting clients) confirmed, the second waiting."""
    clients, supporters, teams = pool_candidates(program=program)
    units = [unit_id_for(team_id=t.pk) for t in teams] or [
        unit_id_for(supporter_id=s.pk) for s in supporters
    ]
    if not clients or not units:
        return
    first = clients[:2]
    confirmed = round_create(
        program=program,
        actor=coordinator,
        client_ids=[c.pk for c in first],
        unit_ids=units,
        title=titles[0],
    )
    if confirmed.result.get("pairs"):
        round_confirm(match_round=confirmed, actor=coordinator)
    rest, _s, _t = pool_candidates(program=program)
    if rest:
        round_create(
            program=program,
            actor=coordinator,
            client_ids=[c.pk for c in rest],
            unit_ids=units,
            title=titles[1],
        )


def _rankings(program: Program) -> None:
    """Both sides of the self-match program rank each other (for the stable mode)."""
    clients, supporters, _teams = pool_candidates(program=program)
    for i, client in enumerate(clients):
        order = supporters[i % len(supporters) :] + supporters[: i % len(supporters)]
        ranking_save(
            program=program, user=client, side="client", ranked_user_ids=[s.pk for s in order]
        )
    for j, supporter in enumerate(supporters):
        order = clients[j:] + clients[:j]
        ranking_save(
            program=program,
            user=supporter,
            side="supporter",
            ranked_user_ids=[c.pk for c in order],
        )


def _university(org: Organization) -> None:
    program = Program.objects.filter(organization=org, slug="intl-career-2026").first()
    coordinator = _user("coordinator@univ.example")
    if program is None or coordinator is None:
        return
    MatchingCriteria.objects.get_or_create(
        organization=org,
        program=program,
        defaults={"allow_self_match": True, "need": 9, "language": 6, "time": 5},
    )
    for email, (specialties, languages, slots, gender) in UNIV_SUPPORTERS.items():
        user = _user(email)
        if user is None:
            continue
        SupporterProfile.objects.get_or_create(
            organization=org,
            user=user,
            defaults={
                "specialties": specialties,
                "languages": languages,
                "gender": gender,
                "bio": "留学生の相談を担当しています。",
            },
        )
        MatchingProfile.objects.get_or_create(
            organization=org, user=user, defaults={"slots": slots, "experience_level": 2}
        )
        _enroll(program, user, Side.SUPPORTER)
    counsellor = _user("supporter@univ.example")
    if counsellor is not None:
        MatchingProfile.objects.get_or_create(
            organization=org,
            user=counsellor,
            defaults={"slots": ["tue-evening", "wed-afternoon"], "experience_level": 3},
        )
    for email, (languages, wants, slots, mode) in UNIV_CLIENTS.items():
        user = _user(email)
        if user is None:
            continue
        ClientProfile.objects.get_or_create(
            organization=org,
            user=user,
            defaults={
                "category": ClientProfile.Category.UNIVERSITY,
                "school_or_organization": "さくら大学",
                "languages": languages,
                "wants_help_with": wants,
            },
        )
        MatchingProfile.objects.get_or_create(
            organization=org,
            user=user,
            defaults={"slots": slots, "preferred_mode": mode, "experience_level": 1},
        )
        _enroll(program, user, Side.CLIENT)
    _rankings(program)
    _rounds(program, coordinator, ("4月 第1回マッチング", "4月 第2回マッチング"))


def _mentoring(org: Organization) -> None:
    program = Program.objects.filter(organization=org, slug="mentoring-2026").first()
    coordinator = _user("coordinator@mentor.example")
    if program is None or coordinator is None:
        return
    MatchingCriteria.objects.get_or_create(organization=org, program=program)
    for email, wants in MENTOR_CLIENTS.items():
        user = _user(email)
        if user is None:
            continue
        ClientProfile.objects.get_or_create(
            organization=org,
            user=user,
            defaults={
                "category": ClientProfile.Category.NPO_STAFF,
                "languages": ["ja"],
                "wants_help_with": wants,
            },
        )
        MatchingProfile.objects.get_or_create(
            organization=org, user=user, defaults={"slots": ["tue-evening", "thu-evening"]}
        )
        _enroll(program, user, Side.CLIENT)
    for n in ("", "2", "3", "4"):
        mentor = _user(f"supporter{n}@mentor.example")
        if mentor is not None:
            MatchingProfile.objects.get_or_create(
                organization=org,
                user=mentor,
                defaults={"slots": ["tue-evening", "thu-evening"], "modes": ["online"]},
            )
    _rounds(program, coordinator, ("第2期 マッチング", "第2期 追加マッチング"))


def matching_load(*, organization: Organization) -> bool:
    """Builds the organisation's demo matching once; False when there is nothing to do."""
    builders = {"sakura-univ": _university, "tsunagu-probono": _mentoring}
    builder = builders.get(organization.slug)
    if builder is None or MatchRound.objects.filter(organization=organization).exists():
        return False
    with translation.override("ja"):
        builder(organization)
    return True
