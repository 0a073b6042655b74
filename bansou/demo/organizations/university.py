"""さくら大学 キャリアセンター: appointments with international students, who write their
own reflection at the end; a self-match pool with rankings (scenarios.md). Names and text
are fictional."""

from bansou.core.roles import Role
from bansou.demo.specs import (
    DemoAccompaniment,
    DemoAppointmentType,
    DemoAvailability,
    DemoBooking,
    DemoClient,
    DemoClosure,
    DemoEngagement,
    DemoMatching,
    DemoMatchingProfile,
    DemoOrganization,
    DemoPerson,
    DemoPhase,
    DemoProgram,
    DemoSupporter,
    DemoVenue,
    PastSession,
)
from bansou.engagements.models import Session
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile
from bansou.programs.models import Phase, Program

P = DemoPerson
C, S, CL, PA, V = Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER
UNIVERSITY = ClientProfile.Category.UNIVERSITY
COUNSELLOR = "supporter@univ.example"
COUNSELLING_ROOM = "本郷キャンパス キャリアセンター相談室"


def _waiting(email: str, languages: tuple[str, ...], wants: str) -> DemoClient:
    return DemoClient(email, UNIVERSITY, wants, languages, school_or_organization="さくら大学")


ORGANIZATION = DemoOrganization(
    slug="sakura-univ",
    name="さくら大学 キャリアセンター",
    kind=Organization.Kind.UNIVERSITY,
    description=(
        "留学生を中心に、20〜40分の個別相談を行っています。"
        "面談の最後の数分で学生自身が振り返りを書き、自分の選択につなげます。"
    ),
    venues=(DemoVenue(COUNSELLING_ROOM, Venue.Kind.CAMPUS, "東京都文京区"),),
    people=(
        P("coordinator@univ.example", "林", "香織", "ハヤシ", "カオリ", C),
        P(COUNSELLOR, "清水", "亜紀", "シミズ", "アキ", S),
        P("supporter2@univ.example", "陳", "美玲", "チン", "メイリン", S),
        P("supporter3@univ.example", "田中", "聡", "タナカ", "サトシ", S),
        P("client@univ.example", "王", "芳", "ワン", "ファン", CL, "en"),
        P("client2@univ.example", "グエン", "ヴァン アン", "グエン", "ヴァンアン", CL, "en"),
        P("client3@univ.example", "李", "浩然", "リ", "ハオラン", CL, "en"),
        P("client4@univ.example", "金", "志恩", "キム", "ジオン", CL),
        P("client5@univ.example", "スミス", "エミリー", "スミス", "エミリー", CL, "en"),
        P("client6@univ.example", "チャン", "ティ ラン", "チャン", "ティラン", CL, "en"),
        P("client7@univ.example", "シャルマ", "ラム", "シャルマ", "ラム", CL, "en"),
        P("partner@univ.example", "森", "大輔", "モリ", "ダイスケ", PA),
        P("viewer@univ.example", "池田", "浩", "イケダ", "ヒロシ", V),
    ),
    accompaniment=DemoAccompaniment(
        coordinator="coordinator@univ.example",
        program=DemoProgram(
            slug="intl-career-2026",
            name="留学生キャリア相談 2026",
            kind=Program.Kind.APPOINTMENTS,
            description="20〜40分の個別相談。最後の3〜5分で、学生自身が振り返りを書きます。",
            start=-230,
            end=130,
            quiet_after_days=45,
            phases=(DemoPhase("通年相談", Phase.Kind.ACTIVE, -230, 130),),
            appointment_types=(
                DemoAppointmentType("オンライン相談（20分）", 20, "online", min_notice_hours=3),
                DemoAppointmentType(
                    "オンライン相談（30分）", 30, "online", buffer_after_minutes=10
                ),
                DemoAppointmentType(
                    "対面相談（40分）",
                    40,
                    "in_person",
                    venue=COUNSELLING_ROOM,
                    room="ブース2",
                    buffer_after_minutes=10,
                ),
            ),
        ),
        supporters=(
            DemoSupporter(
                COUNSELLOR,
                ("留学生の就職支援", "大学院進学", "自己理解"),
                ("ja", "en", "zh"),
                "留学生の相談を10年担当しています。就職だけでなく、帰国や進学も一緒に考えます。",
                "18009876",
            ),
        ),
        clients=(
            DemoClient(
                "client@univ.example",
                UNIVERSITY,
                "日本での就職活動について",
                ("zh", "ja", "en"),
                school_or_organization="さくら大学",
                grade="学部4年",
            ),
            DemoClient(
                "client2@univ.example",
                UNIVERSITY,
                "研究と進路の両立",
                ("vi", "ja", "en"),
                school_or_organization="さくら大学",
                grade="修士1年",
            ),
        ),
        engagements=(
            DemoEngagement(
                client="client@univ.example",
                supporter=COUNSELLOR,
                author=COUNSELLOR,
                goals="自分が納得できる進路を選ぶ（日本就職に限らない）。",
                mode=Session.Mode.IN_PERSON,
                place=COUNSELLING_ROOM,
                past=(
                    PastSession(
                        60,
                        13,
                        30,
                        ("応募書類",),
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
                        ("自己理解",),
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
                        ("進路選択", "情報提供"),
                        "母国の教育系企業と日本の教育系企業の両方の情報を整理しました。",
                        "",
                        (
                            "両方の国に選択肢があること",
                            "自分で選んでいいと思えた",
                            "来週までに3社に問い合わせる",
                            5,
                        ),
                    ),
                ),
            ),
            DemoEngagement(
                client="client2@univ.example",
                supporter=COUNSELLOR,
                author=COUNSELLOR,
                mode=Session.Mode.ONLINE,
                meeting_url="https://meet.jit.si/Banso-demo-univ",
                past=(
                    PastSession(
                        20,
                        16,
                        20,
                        ("情報提供",),
                        "Job-hunting schedule for master's students.",
                        "",
                        (
                            "The schedule starts earlier than I thought",
                            "My research plan already says what I want",
                            "Re-read my research proposal",
                            4,
                        ),
                    ),
                    PastSession(13, 11, 10, (), "", status=Session.Status.NO_SHOW),
                ),
            ),
        ),
    ),
    matching=DemoMatching(
        coordinator="coordinator@univ.example",
        round_titles=("4月 第1回マッチング", "4月 第2回マッチング"),
        criteria={"allow_self_match": True, "need": 9, "language": 6, "time": 5},
        supporters=(
            DemoSupporter(
                "supporter2@univ.example",
                ("IT業界の就職", "留学生の就職支援", "面接練習"),
                ("ja", "zh", "en"),
                "留学生の相談を担当しています。",
            ),
            DemoSupporter(
                "supporter3@univ.example",
                ("面接練習", "自己理解"),
                ("ja", "ko"),
                "留学生の相談を担当しています。",
                gender="male",
            ),
        ),
        clients=(
            _waiting("client3@univ.example", ("zh", "ja"), "留学生の就職支援、IT業界"),
            _waiting("client4@univ.example", ("ko", "ja"), "面接練習"),
            _waiting("client5@univ.example", ("en",), "大学院進学"),
            _waiting("client6@univ.example", ("vi", "en"), "留学生の就職支援"),
            _waiting("client7@univ.example", ("ne",), "自己理解"),
        ),
        profiles=(
            DemoMatchingProfile(
                "supporter2@univ.example", ("tue-evening", "thu-afternoon"), experience_level=2
            ),
            DemoMatchingProfile(
                "supporter3@univ.example", ("wed-afternoon", "fri-morning"), experience_level=2
            ),
            DemoMatchingProfile(COUNSELLOR, ("tue-evening", "wed-afternoon"), experience_level=3),
            DemoMatchingProfile(
                "client3@univ.example",
                ("tue-evening",),
                preferred_mode="online",
                experience_level=1,
            ),
            DemoMatchingProfile(
                "client4@univ.example",
                ("wed-afternoon",),
                preferred_mode="in_person",
                experience_level=1,
            ),
            DemoMatchingProfile(
                "client5@univ.example",
                ("tue-evening",),
                preferred_mode="online",
                experience_level=1,
            ),
            DemoMatchingProfile("client6@univ.example", ("thu-afternoon",), experience_level=1),
            DemoMatchingProfile("client7@univ.example", ("fri-morning",), experience_level=1),
        ),
        rankings=True,
    ),
    availability=(
        DemoAvailability(
            (COUNSELLOR, "supporter2@univ.example", "supporter3@univ.example"),
            (0, 1, 2, 3, 4),
            (("10:00", "12:00"), ("13:00", "17:00")),
            per_day=6,
            per_week=24,
        ),
    ),
    closures=(DemoClosure("夏季一斉休業", (8, 10), (8, 18)),),
    bookings=(
        DemoBooking("client@univ.example", "対面相談（40分）", 1),
        DemoBooking("client3@univ.example", "オンライン相談（30分）", 1),
        DemoBooking("client4@univ.example", "オンライン相談（20分）", 2, "supporter3@univ.example"),
        DemoBooking("client5@univ.example", "オンライン相談（30分）", 3),
        DemoBooking("client6@univ.example", "対面相談（40分）", 6),
    ),
)
