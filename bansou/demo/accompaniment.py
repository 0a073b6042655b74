"""Demo programs, profiles, teams, engagements, sessions, notes and reflections, so that
each demo organisation shows the accompaniment core working. Dates are relative to the day
the demo is loaded, so the radar always has something to show."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.cadence import Rule
from bansou.engagements.models import (
    Engagement,
    EngagementEvent,
    Reflection,
    Session,
    SessionNote,
    SessionRecord,
)
from bansou.engagements.services.lifecycle import engagement_create
from bansou.engagements.services.sessions import session_series_create
from bansou.orgs.models import Organization, Venue
from bansou.people.models import (
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
    TeamMember,
)
from bansou.programs.models import (
    Enrollment,
    Phase,
    Program,
    Side,
    Target,
    Topic,
    Training,
    TrainingAttendance,
)

TOPICS = ["情報提供", "自己理解", "進路選択", "応募書類", "面接", "生活・家庭"]


def _today() -> datetime.date:
    return timezone.localdate()


def _days(n: int) -> datetime.date:
    return _today() + datetime.timedelta(days=n)


def _user(email: str) -> User:
    return User.objects.get(email=email)


@dataclass
class PastSession:
    days_ago: int
    hour: int
    minutes: int
    topics: list[str]
    summary: str
    note: str = ""
    reflection: tuple[str, str, str, int | None] | None = None  # important, noticed, next, feeling
    status: str = Session.Status.HELD


def _program(org: Organization, slug: str, **fields: object) -> Program:
    program = Program.objects.create(organization=org, slug=slug, **fields)
    for position, name in enumerate(TOPICS):
        Topic.objects.create(organization=org, program=program, name=name, position=position)
    return program


def _phase(program: Program, name: str, kind: str, start: int, end: int) -> None:
    Phase.objects.create(
        organization=program.organization,
        program=program,
        name=name,
        kind=kind,
        starts_on=_days(start),
        ends_on=_days(end),
    )


def _enroll(program: Program, user: User, side: str) -> None:
    Enrollment.objects.get_or_create(
        organization=program.organization, program=program, user=user, side=side
    )


def _training(
    program: Program, name: str, days: int, attendees: list[User], coordinator: User
) -> None:
    training = Training.objects.create(
        organization=program.organization,
        program=program,
        name=name,
        held_on=_days(days),
        is_required=True,
        description="オンラインで1回（19:00〜21:00）。傾聴と守秘義務、伴走の基本。",
    )
    for user in attendees:
        TrainingAttendance.objects.create(
            organization=program.organization,
            training=training,
            user=user,
            attended_on=_days(days),
            recorded_by=coordinator,
        )


def _supporter(
    org: Organization,
    user: User,
    specialties: list[str],
    languages: list[str],
    bio: str,
    registration: str = "",
    gender: str = "female",
) -> None:
    profile, _ = SupporterProfile.objects.get_or_create(organization=org, user=user)
    profile.specialties, profile.languages, profile.bio, profile.gender = (
        specialties,
        languages,
        bio,
        gender,
    )
    profile.save()
    if registration:
        Qualification.objects.create(
            organization=org,
            profile=profile,
            kind="career_consultant",
            registration_number=registration,
            obtained_on=datetime.date(2019, 4, 1),
        )


def _client(org: Organization, user: User, **fields: object) -> ClientProfile:
    profile, _ = ClientProfile.objects.get_or_create(organization=org, user=user, defaults=fields)
    return profile


def _backdate(engagement: Engagement, days: int) -> None:
    """The demo engagement began before its first past session."""
    when = timezone.now() - datetime.timedelta(days=days)
    Engagement.objects.filter(pk=engagement.pk).update(created_at=when)
    EngagementEvent.objects.filter(engagement=engagement).update(created_at=when)


def _past_sessions(
    engagement: Engagement,
    author: User,
    sessions: list[PastSession],
    mode: str,
    place: str = "",
    url: str = "",
) -> None:
    org = engagement.organization
    _backdate(engagement, max(item.days_ago for item in sessions) + 3)
    topics = {t.name: t for t in Topic.objects.filter(program=engagement.program)}
    tz = timezone.get_current_timezone()
    for item in sessions:
        start = datetime.datetime.combine(
            _days(-item.days_ago), datetime.time(item.hour), tzinfo=tz
        )
        session = Session.objects.create(
            organization=org,
            engagement=engagement,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=item.minutes),
            mode=mode,
            place=place,
            meeting_url=url,
            status=item.status,
            created_by=author,
            status_changed_at=start,
        )
        if item.status != Session.Status.HELD:
            continue
        record = SessionRecord.objects.create(
            organization=org, session=session, shared_summary=item.summary, written_by=author
        )
        record.topics.set([topics[name] for name in item.topics])
        if item.note:
            SessionNote.objects.create(
                organization=org, session=session, author=author, body=item.note
            )
        if item.reflection:
            important, noticed, next_step, feeling = item.reflection
            reflection = Reflection.objects.create(
                organization=org,
                session=session,
                important=important,
                noticed=noticed,
                next_step=next_step,
                feeling=feeling,
                via=Reflection.Via.LINK,
            )
            Reflection.objects.filter(pk=reflection.pk).update(created_at=session.ends_at)


def _salon(org: Organization) -> None:
    coordinator, supporter = _user("coordinator@salon.example"), _user("supporter@salon.example")
    supporter2 = _user("supporter2@salon.example")
    sakura, ren = _user("client@salon.example"), _user("client2@salon.example")
    program = _program(
        org,
        "salon-2026",
        name="校内キャリアサロン 2026年度",
        kind=Program.Kind.SALON,
        description="通信制高校の校内で週1回・約3時間のキャリアサロンを開きます。立ち寄り・予約・声かけのどれでも歓迎です。",
        starts_on=_days(-200),
        ends_on=_days(160),
        is_public=True,
        quiet_after_days=21,
    )
    _phase(program, "支援者研修", Phase.Kind.PRE_TRAINING, -200, -186)
    _phase(program, "サロン開催期間", Phase.Kind.ACTIVE, -185, 130)
    _phase(program, "年度末の振り返り", Phase.Kind.REFLECTION, 131, 160)
    for name, unit, value in (
        ("訪問校数", "校", 22),
        ("サロン開催回数", "回", 247),
        ("来室数", "人", 757),
    ):
        Target.objects.create(
            organization=org,
            program=program,
            name=name,
            unit=unit,
            target_value=value,
            period_start=program.starts_on,
            period_end=program.ends_on,
        )
    _training(program, "キャリアサロン支援者研修", -195, [supporter, supporter2], coordinator)
    _supporter(
        org,
        supporter,
        ["進路選択", "就職支援", "高校生"],
        ["ja"],
        "元高校教員のキャリアコンサルタントです。生徒さんの「なんとなく」を一緒にことばにします。",
        "21012345",
        "male",
    )
    _supporter(
        org,
        supporter2,
        ["自己理解", "不登校経験", "保護者対応"],
        ["ja", "en"],
        "通信制高校の卒業生です。話すのが苦手でも大丈夫。",
        "22054321",
    )
    school = Venue.objects.filter(organization=org).order_by("name").first()
    for student, grade in ((sakura, "2年"), (ren, "3年")):
        profile = _client(
            org,
            student,
            category=ClientProfile.Category.HIGH_SCHOOL,
            venue=school,
            grade=grade,
            school_or_organization=school.name if school else "",
            languages=["ja"],
            is_minor=True,
            wants_help_with="卒業後の進路",
        )
        GuardianConsent.objects.create(
            organization=org,
            client=profile,
            guardian_name=f"{student.family_name} 保護者",
            relationship="母",
            method=GuardianConsent.Method.PAPER,
            given_on=_days(-120),
            recorded_by=coordinator,
        )
        _enroll(program, student, Side.CLIENT)
    _enroll(program, supporter, Side.SUPPORTER)
    _enroll(program, supporter2, Side.SUPPORTER)
    place = school.name if school else ""
    e1 = engagement_create(
        program=program,
        client=sakura,
        supporter=supporter,
        created_by=coordinator,
        start_now=True,
        goals="卒業までに、自分で選んだ進路を決める。",
    )
    _past_sessions(
        e1,
        supporter,
        [
            PastSession(
                35,
                14,
                30,
                ["自己理解"],
                "好きなこと・得意なことを書き出しました。絵を描くことと、人の話を聞くことが出てきました。",
                "声かけで初来室。最初は緊張していたが後半は笑顔。家庭の話は今回は触れず。",
                (
                    "好きなことを仕事につなげる考え方",
                    "人の話を聞くのが好きだと気づいた",
                    "美術の先生に話してみる",
                    3,
                ),
            ),
            PastSession(
                21,
                14,
                40,
                ["情報提供", "進路選択"],
                "デザイン系の専門学校と短大の違いを一緒に調べました。",
                "学費の心配あり。奨学金の情報を次回持参する。",
                (
                    "専門学校は2年で資格が取れること",
                    "お金のことを先に調べたい",
                    "奨学金のページを見る",
                    4,
                ),
            ),
            PastSession(
                7,
                14,
                40,
                ["進路選択", "生活・家庭"],
                "奨学金の種類を確認し、オープンキャンパスの日程を決めました。",
                "保護者とも話せたとのこと。進路未決定リスクは下がっている。",
                (
                    "給付型の奨学金があること",
                    "自分で決めていいんだと思えた",
                    "11月のオープンキャンパスに行く",
                    5,
                ),
            ),
        ],
        Session.Mode.IN_PERSON,
        place,
    )
    session_series_create(
        engagement=e1,
        first_day=_days(7),
        until=_days(40),
        start_time=datetime.time(14, 0),
        duration_minutes=40,
        rule=Rule.WEEKLY,
        mode=Session.Mode.IN_PERSON,
        place=place,
        created_by=supporter,
        limit=3,
    )
    e2 = engagement_create(
        program=program,
        client=ren,
        supporter=supporter2,
        created_by=coordinator,
        start_now=True,
        goals="就職か進学か、まず選択肢を知る。",
    )
    _past_sessions(
        e2,
        supporter2,
        [
            PastSession(
                45,
                15,
                30,
                ["情報提供"],
                "高卒求人の見方を説明しました。",
                "アルバイト先の店長から誘いがあるとのこと。",
            ),
            PastSession(30, 15, 30, [], "", status=Session.Status.NO_SHOW),
        ],
        Session.Mode.IN_PERSON,
        place,
    )


def _mentoring(org: Organization) -> None:
    coordinator = _user("coordinator@mentor.example")
    mentors = [_user(f"supporter{n}@mentor.example") for n in ("", "2", "3", "4")]
    takuya, aya = _user("client@mentor.example"), _user("client2@mentor.example")
    program = _program(
        org,
        "mentoring-2026",
        name="NPOスタッフ伴走メンタリング 2026",
        kind=Program.Kind.MENTORING,
        description="小さなNPOで働くスタッフに、ママメンター2人1組が月2回・約40分、3か月間オンラインで伴走します。参加は無料です。",
        starts_on=_days(-45),
        ends_on=_days(100),
        is_public=True,
        supporter_questions=["これまでの傾聴の経験を教えてください"],
        client_questions=["活動している団体と、いま困っていることを教えてください"],
    )
    _phase(program, "メンター事前研修", Phase.Kind.PRE_TRAINING, -45, -38)
    _phase(program, "マッチング", Phase.Kind.MATCHING, -37, -19)
    _phase(program, "伴走期間", Phase.Kind.ACTIVE, -18, 70)
    _phase(program, "振り返り", Phase.Kind.REFLECTION, 71, 100)
    Target.objects.create(
        organization=org,
        program=program,
        name="参加者満足度",
        unit="%",
        target_value=90,
        period_start=program.starts_on,
        period_end=program.ends_on,
    )
    _training(program, "メンター事前研修（オンライン・1夜）", -40, mentors, coordinator)
    bios = [
        "子育てとPTAで培った「聴く力」を活かしています。",
        "元人事。NPOの労務の悩みもどうぞ。",
        "3児の母。子ども食堂を立ち上げた経験があります。",
        "臨床心理を学びました。燃え尽きの予防に関心があります。",
    ]
    for mentor, bio in zip(mentors, bios, strict=True):
        _supporter(org, mentor, ["傾聴", "NPO運営", "子育て支援"], ["ja"], bio)
        _enroll(program, mentor, Side.SUPPORTER)
    pair_a = Team.objects.create(organization=org, name="ペアA（中村・加藤）")
    pair_b = Team.objects.create(organization=org, name="ペアB（吉田・山田）")
    for team, members in ((pair_a, mentors[:2]), (pair_b, mentors[2:])):
        for member in members:
            TeamMember.objects.create(organization=org, team=team, user=member)
    for client, what in (
        (takuya, "子ども食堂の運営で一人で抱え込んでいる"),
        (aya, "障がいのある人の居場所づくり。代表として孤立している"),
    ):
        _client(
            org,
            client,
            category=ClientProfile.Category.NPO_STAFF,
            school_or_organization="NPO法人 こども食堂みなみ"
            if client == takuya
            else "一般社団法人 ひだまりの家",
            languages=["ja"],
            wants_help_with=what,
        )
        _enroll(program, client, Side.CLIENT)
    e1 = engagement_create(
        program=program,
        client=takuya,
        team=pair_a,
        created_by=coordinator,
        start_now=True,
        goals="ボランティアに仕事を任せられるようになる。燃え尽きない働き方を見つける。",
    )
    _past_sessions(
        e1,
        mentors[0],
        [
            PastSession(
                14,
                20,
                40,
                ["自己理解"],
                "今の1週間の過ごし方を振り返り、抱えている仕事を書き出しました。",
                "疲れがたまっている様子。睡眠の話を次回も確認（加藤さんと共有）。",
                (
                    "自分が全部やらなくてもいいという話",
                    "仕事を手放すのが怖いと気づいた",
                    "1つだけボランティアさんに頼んでみる",
                    3,
                ),
            ),
            PastSession(
                3,
                20,
                40,
                ["生活・家庭", "自己理解"],
                "頼んでみた結果を一緒に振り返りました。うまくいったことを言葉にしました。",
                "表情が明るくなった。次回は団体の今後の話へ。",
                (
                    "頼むと相手も嬉しそうだった",
                    "信頼されていないと思い込んでいた",
                    "配膳の担当表をつくる",
                    4,
                ),
            ),
        ],
        Session.Mode.ONLINE,
        url="https://meet.jit.si/Banso-demo-pairA",
    )
    session_series_create(
        engagement=e1,
        first_day=_days(11),
        until=_days(70),
        start_time=datetime.time(20, 0),
        duration_minutes=40,
        rule=Rule.TWICE_MONTHLY,
        mode=Session.Mode.ONLINE,
        meeting_url="https://meet.jit.si/Banso-demo-pairA",
        created_by=mentors[0],
    )
    e2 = engagement_create(
        program=program,
        client=aya,
        team=pair_b,
        created_by=coordinator,
        start_now=True,
        goals="代表としての孤立感を減らし、相談できる仲間をつくる。",
    )
    _past_sessions(
        e2,
        mentors[2],
        [
            PastSession(
                26,
                20,
                40,
                ["情報提供"],
                "自己紹介と、この3か月で話したいことを整理しました。",
                "日程調整が難航。次回日程未定のまま終了。",
            ),
        ],
        Session.Mode.ONLINE,
        url="https://meet.jit.si/Banso-demo-pairB",
    )


def _university(org: Organization) -> None:
    coordinator, counsellor = _user("coordinator@univ.example"), _user("supporter@univ.example")
    wang, nguyen = _user("client@univ.example"), _user("client2@univ.example")
    program = _program(
        org,
        "intl-career-2026",
        name="留学生キャリア相談 2026",
        kind=Program.Kind.APPOINTMENTS,
        description="20〜40分の個別相談。最後の3〜5分で、学生自身が振り返りを書きます。",
        starts_on=_days(-230),
        ends_on=_days(130),
        is_public=True,
        quiet_after_days=45,
    )
    _phase(program, "通年相談", Phase.Kind.ACTIVE, -230, 130)
    _supporter(
        org,
        counsellor,
        ["留学生の就職支援", "大学院進学", "自己理解"],
        ["ja", "en", "zh"],
        "留学生の相談を10年担当しています。就職だけでなく、帰国や進学も一緒に考えます。",
        "18009876",
    )
    _enroll(program, counsellor, Side.SUPPORTER)
    for student, lang, what in (
        (wang, "zh", "日本での就職活動について"),
        (nguyen, "vi", "研究と進路の両立"),
    ):
        _client(
            org,
            student,
            category=ClientProfile.Category.UNIVERSITY,
            school_or_organization="さくら大学",
            grade="修士1年" if student == nguyen else "学部4年",
            languages=[lang, "ja", "en"],
            wants_help_with=what,
        )
        _enroll(program, student, Side.CLIENT)
    e1 = engagement_create(
        program=program,
        client=wang,
        supporter=counsellor,
        created_by=coordinator,
        start_now=True,
        goals="自分が納得できる進路を選ぶ（日本就職に限らない）。",
    )
    _past_sessions(
        e1,
        counsellor,
        [
            PastSession(
                60,
                13,
                30,
                ["応募書類"],
                "エントリーシートの自己PRを添削しました。",
                "就職情報を求めて来談。",
                (
                    "自己PRは具体的な経験を1つに絞ること",
                    "書いていて楽しくなかった",
                    "なぜ楽しくないのか考える",
                    2,
                ),
            ),
            PastSession(
                40,
                13,
                40,
                ["自己理解"],
                "子どもの頃の夢について話しました。",
                "小学校の先生になりたかったという話が出る。本人の声が大きくなった。",
                (
                    "本当は教育の仕事がしたい",
                    "子どもの頃の夢をまだ大切にしている",
                    "母国の教育関係の仕事を調べる",
                    4,
                ),
            ),
            PastSession(
                12,
                13,
                30,
                ["進路選択", "情報提供"],
                "母国の教育系企業と日本の教育系企業の両方の情報を整理しました。",
                "",
                (
                    "両方の国に選択肢があること",
                    "自分で選んでいいと思えた",
                    "来週までに3社に問い合わせる",
                    5,
                ),
            ),
        ],
        Session.Mode.IN_PERSON,
        "本郷キャンパス キャリアセンター相談室",
    )
    e2 = engagement_create(
        program=program, client=nguyen, supporter=counsellor, created_by=coordinator, start_now=True
    )
    _past_sessions(
        e2,
        counsellor,
        [
            PastSession(
                20,
                16,
                20,
                ["情報提供"],
                "Job-hunting schedule for master's students.",
                "",
                (
                    "The schedule starts earlier than I thought",
                    "My research plan already says what I want",
                    "Re-read my research proposal",
                    4,
                ),
            ),
        ],
        Session.Mode.ONLINE,
        url="https://meet.jit.si/Banso-demo-univ",
    )


def _debut(org: Organization) -> None:
    giver, newcomer, client = (
        _user("coordinator@debut.example"),
        _user("supporter@debut.example"),
        _user("client@debut.example"),
    )
    program = _program(
        org,
        "debut-2026",
        name="恩送りデビュー 2026",
        kind=Program.Kind.DEBUT,
        description="資格を取ったばかりのキャリアコンサルタントの、はじめての有料相談の場をつくります（月4名まで）。",
        starts_on=_days(-90),
        ends_on=_days(270),
        is_public=True,
    )
    _phase(program, "受付・実施", Phase.Kind.ACTIVE, -90, 270)
    _supporter(
        org,
        newcomer,
        ["若手社会人", "転職"],
        ["ja"],
        "2026年に資格を取得しました。はじめての有料相談に挑戦中です。",
        "26001122",
        "male",
    )
    _client(
        org,
        client,
        category=ClientProfile.Category.WORKER,
        languages=["ja"],
        wants_help_with="転職するか迷っている",
    )
    _enroll(program, newcomer, Side.SUPPORTER)
    _enroll(program, client, Side.CLIENT)
    engagement = engagement_create(
        program=program, client=client, supporter=newcomer, created_by=giver, start_now=True
    )
    _past_sessions(
        engagement,
        newcomer,
        [
            PastSession(
                10,
                19,
                50,
                ["自己理解", "進路選択"],
                "今の仕事で大切にしていることを3つ挙げました。",
                "はじめての有料セッション。時間配分が課題（橋本さんからのフィードバック待ち）。",
                (
                    "転職の前に、今の職場でできることもある",
                    "人に教えるのが好き",
                    "社内の研修担当に手を挙げる",
                    4,
                ),
            ),
        ],
        Session.Mode.ONLINE,
        url="https://meet.jit.si/Banso-demo-debut",
    )


BUILDERS: dict[str, Callable[[Organization], None]] = {
    "mirai-salon": _salon,
    "tsunagu-probono": _mentoring,
    "sakura-univ": _university,
    "onkuri-debut": _debut,
}


def accompaniment_load(*, organization: Organization) -> bool:
    """Builds the organisation's demo accompaniment once; False when it is already there."""
    builder = BUILDERS.get(organization.slug)
    if builder is None or Program.objects.filter(organization=organization).exists():
        return False
    builder(organization)
    return True
